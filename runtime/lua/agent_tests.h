// Running one agent outside its pipeline with every LLM call recorded, and
// the agent tests built on it: the engine behind `agentry run-agent` and
// `agentry test-scripts`.
//
// An agent test is a Lua file scripts/tests/<NAME>_test.lua returning
// { agent = "E3", cases = { { name, input | input_file, outputs, replies,
// expect, expect_error }, ... } } (the format is in docs/scripting.md). Each
// case runs the agent through the real engine (run_job) against its recorded
// replies, then calls the case's expect(output, calls) in a job sandbox of
// its own: test files get exactly the sandbox agents get.
//
// Everything here is thread-compatible: separate calls may run on separate
// threads; one call uses its own states, journal and client.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/llm/provider.h"
#include "runtime/llm/rate_limiter.h"
#include "runtime/llm/retry_policy.h"
#include "runtime/lua/job_runner.h"
#include "runtime/lua/snapshot.h"

namespace agentry::lua {

// An LlmProvider that forwards to another one and keeps every call it sees:
// the rendered request, the raw reply or the error, in call order. It sits
// under LlmClient, so a re-ask after an unusable reply is a call of its own.
// Thread-safe: parallel.map calls it from several threads.
class RecordingProvider final : public llm::LlmProvider {
 public:
  struct Call {
    llm::ChatRequest request;
    std::optional<llm::ChatReply> reply;  // unset when the call failed
    std::string error;                    // the failure's message
    std::chrono::milliseconds latency{0};
  };

  explicit RecordingProvider(std::shared_ptr<llm::LlmProvider> inner);
  std::string name() const override { return inner_->name(); }
  llm::ChatReply chat(const llm::ChatRequest& request, const llm::CallControl& control) override;

  // A copy of the calls made so far.
  std::vector<Call> calls() const;

 private:
  std::shared_ptr<llm::LlmProvider> inner_;
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
};

// One call as `agentry run-agent --json` shows it:
// {system, messages: [{role, content}], reply, usage, latency_ms} plus
// "error" for a failed call.
nlohmann::json call_to_json(const RecordingProvider::Call& call);

struct AgentRunRequest {
  std::string agent;
  nlohmann::json input = nlohmann::json::object();
  // ctx.outputs as the agent sees it: agent name -> output. These steps are
  // replayed from checkpoints, as in a resumed job, in the order of the step
  // pipeline that runs the agent (so ctx.previous is the last of them).
  // Empty: the agent runs alone (JobRequest::agent), as `agentry run-agent`.
  nlohmann::json outputs = nlohmann::json::object();
  // Stops the agent after this long (error.reason "timeout").
  std::chrono::milliseconds timeout{30 * 60 * 1000};
  RunOptions run;
  // Around the provider, as for jobs: the caller's retry policy and limits.
  llm::RetryPolicy retry;
  llm::RateLimits limits;
};

struct AgentRun {
  JobOutcome outcome;  // result: the agent's output
  std::vector<RecordingProvider::Call> calls;
  std::vector<jobs::Event> events;  // the job log (agent_started, print, retry...)
  std::chrono::milliseconds duration{0};
};

// Runs one agent through run_job with `provider` answering its LLM calls.
AgentRun run_agent_alone(const ScriptSnapshot& snapshot, std::shared_ptr<llm::LlmProvider> provider,
                         const AgentRunRequest& request);

struct AgentTestResult {
  std::string file;   // "tests/E3_test.lua", relative to the scripts directory
  std::string agent;  // the agent under test (empty if the file could not be read)
  std::string name;   // the case's name; empty for a problem with the whole file
  bool passed = false;
  std::string message;  // why it failed, e.g. "tests/E3_test.lua:21: the prompt must mention the injury"
  std::chrono::milliseconds duration{0};
};

struct AgentTestOptions {
  // Test files to run, by agent name or file stem ("E3" or "E3_test"); empty: all.
  std::vector<std::string> only;
  // Where a case's `input_file` is read from. Empty: the parent of the scripts
  // directory (tests_dir/../..), i.e. the repository, so "examples/client.json" works.
  std::filesystem::path inputs_root;
  // Sandbox limits for the agent and for the test file's own code.
  RunOptions run;
  // Longest one case's agent may run (a test never waits on a real model).
  std::chrono::milliseconds case_timeout{60'000};
  // Called as each result is known, for printing progress.
  std::function<void(const AgentTestResult&)> on_result;
};

// Runs every *_test.lua file under `tests_dir` (sorted by name) against
// `snapshot`. One result per case, plus a failed result without a case name
// for a file that cannot be loaded. No test files: an empty vector.
std::vector<AgentTestResult> run_agent_tests(const ScriptSnapshot& snapshot, const std::filesystem::path& tests_dir,
                                             const AgentTestOptions& options = {});

}  // namespace agentry::lua
