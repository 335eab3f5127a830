// Running one pipeline of a test scripts directory to its outcome.
#pragma once

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

}  // namespace agentry::testing
