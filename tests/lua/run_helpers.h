// Running one pipeline of a test scripts directory to its outcome.
#pragma once

#include <boost/test/unit_test.hpp>

#include "runtime/jobs/memory_journal.h"
#include "runtime/llm/mock_provider.h"
#include "runtime/lua/job_runner.h"
#include "support/script_dir.h"

namespace agentry::testing {

struct Ran {
  lua::JobOutcome outcome;
  std::shared_ptr<jobs::MemoryJournal> journal = std::make_shared<jobs::MemoryJournal>();
};

inline Ran run_pipeline(const lua::ScriptSnapshot& snap, const std::string& pipeline,
                        nlohmann::json input = nlohmann::json::object(), lua::RunOptions options = {},
                        std::shared_ptr<llm::LlmProvider> provider = std::make_shared<llm::MockProvider>(),
                        std::shared_ptr<jobs::MemoryJournal> journal = nullptr) {
  Ran ran;
  if (journal) ran.journal = journal;
  llm::LlmClient client(provider);
  lua::JobControl control;
  ran.outcome = lua::run_job(snap, client, *ran.journal, control, {"job-1", pipeline, input, 1}, options);
  return ran;
}

// A one-file function pipeline whose body is `body` (Lua statements).
inline std::shared_ptr<lua::ScriptSnapshot> pipeline_with_body(const ScriptDir& dir, const std::string& body) {
  dir.write("pipelines/t.lua", "return pipeline { name = 't', run = function(input, ctx)\n" + body + "\nend }\n");
  return dir.load();
}

// The result of such a pipeline around `body`; the test stops with the job's
// error unless it completed.
inline nlohmann::json result_of_body(const std::string& body) {
  ScriptDir dir;
  auto ran = run_pipeline(*pipeline_with_body(dir, body), "t");
  BOOST_REQUIRE_MESSAGE(ran.outcome.status == jobs::JobStatus::completed,
                        body << ": " << (ran.outcome.error ? ran.outcome.error->message : ""));
  return ran.outcome.result;
}

}  // namespace agentry::testing
