// The C++ side of one running job as its Lua state sees it: the `host`
// table prelude.lua receives. Each bind_*.cpp file registers one group of
// primitives on it; this class holds the job's state they share (open steps,
// progress, totals, LLM calls in flight).
//
// Used by the job's own thread only, except where noted (LLM call threads
// post results and retry notices through the mutex-guarded queue).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/jobs/journal.h"
#include "runtime/llm/llm_client.h"
#include "runtime/lua/job_control.h"
#include "runtime/lua/job_runner.h"
#include "runtime/lua/sandbox.h"
#include "runtime/lua/snapshot.h"

struct lua_State;

namespace agentry::lua {

class JobHost {
 public:
  JobHost(const ScriptSnapshot& snapshot, llm::LlmClient& llm, jobs::JobJournal& journal, JobControl& control,
          const JobRequest& request, const RunOptions& options, Sandbox& sandbox);
  ~JobHost();
  JobHost(const JobHost&) = delete;
  JobHost& operator=(const JobHost&) = delete;

  // Pushes the host table with every primitive on the stack of `L`.
  void push_host_table(lua_State* L);

  const ScriptSnapshot& snapshot() const { return snapshot_; }
  const JobRequest& request() const { return request_; }
  const RunOptions& options() const { return options_; }
  Sandbox& sandbox() { return sandbox_; }
  JobControl& control() { return control_; }
  jobs::JobJournal& journal() { return journal_; }
  llm::LlmClient& llm() { return llm_; }
  const jobs::Progress& progress() const { return progress_; }
  const jobs::JobTotals& totals() const { return totals_; }

  // Raises a Lua error carrying a kind (`llm_error`, `script_error`...) as a
  // table with the prelude's error metatable. Does not return.
  [[noreturn]] void raise(lua_State* L, const std::string& code, const std::string& message);
  // Raises the stop error if the job was stopped. Called by every primitive.
  void check_stopped(lua_State* L);

  // --- steps (bind_job.cpp)
  jobs::StepRecord& open_step(const std::string& key, const std::string& agent);
  jobs::StepRecord* find_open_step(const std::string& key);
  void close_step(const std::string& key);
  void set_progress(const jobs::Progress& p, std::vector<jobs::Event> events);
  // Like set_progress, but the write waits until the job has been waiting on
  // an LLM call for kDeferredProgressDelay, or rides along with the next
  // journal write, whichever comes first. A step's "agent_started" goes this
  // way: a poller still sees the agent running within that delay during a
  // real (seconds-long) call, and a fast step costs one transaction, not two.
  void defer_progress(const jobs::Progress& p, std::vector<jobs::Event> events);
  // Writes deferred progress and a held checkpoint now (before a sleep, at
  // the end of the job).
  void flush_deferred();
  // Writes deferred progress once it has waited kDeferredProgressDelay. Called
  // while the job thread waits on a call, so it does not throw: a failed write
  // (a lost lease stops the job at once) is rethrown by
  // rethrow_deferred_failure() when the wait is over.
  void flush_deferred_when_due();
  void rethrow_deferred_failure();
  // What a call made on the job thread itself (llm.chat outside parallel.map)
  // obeys: the job's control, and it writes deferred progress when due.
  const llm::CallControl& sync_call_control() const { return sync_stop_; }
  // Stores a finished step with the progress after it, in one journal write.
  // With RunOptions::hold_checkpoints the write is held until the job next
  // writes, looks up a step, starts or waits for an LLM call, or sleeps
  // (write_held_step), or ends (take_held_step): between two agents a
  // pipeline only runs Lua, so the step is still stored before the next one
  // starts, and a job's last step can go with its completion.
  void checkpoint(const jobs::StepRecord& step, const jobs::Progress& p, std::vector<jobs::Event> events);
  void write_held_step();
  // The held checkpoint with every event not written yet, for the job's final
  // write; none when no step is held.
  std::optional<jobs::StepCheckpoint> take_held_step();
  // A script's job.log / print entry. Past kMaxScriptLogEntries in one run
  // the rest are dropped after one "log_truncated" entry, so a logging loop
  // cannot grow the job's execution log (and every GET of it) without bound.
  void log(std::string event, std::string details);

  // --- per-agent limits (prelude's run_agent and parallel.map)
  // Records the limits `agent` runs under (its memory_mb and timeout within
  // the limits in force now) and returns a handle for apply_agent_limits;
  // 0 when the agent declares none (the limits in force stay).
  int enter_agent_limits(const std::string& agent);
  // Makes the limits of `handle` (0: the job's own) the ones in force.
  void apply_agent_limits(int handle);
  // Writes pending events posted by LLM call threads (retries, waits).
  void flush_posted();

  // --- LLM calls (bind_llm.cpp)
  struct AsyncCall {
    int id = 0;
    std::string key;
    llm::ChatRequest request;
    std::optional<llm::ChatReply> reply;
    std::optional<llm::LlmError> error;
    std::string failure;  // a non-LLM exception's message
    bool done = false;
  };
  class Listener;
  int start_call(std::string key, llm::ChatRequest request);
  int wait_any_call(lua_State* L);
  std::shared_ptr<AsyncCall> take_call(int id);
  void post_retry(const std::string& key, const std::string& agent, int n, const std::string& reason,
                  std::chrono::milliseconds delay);
  void post_waiting(const std::string& agent, const std::string& message);
  void account_reply(const std::string& key, const llm::ChatReply& reply);
  void remember_raw_reply(const std::string& key, const std::string& raw);
  std::string raw_reply_for(const std::string& key) const;

  // The error metatable registered by prelude.lua.
  int error_metatable_ref = -2;  // LUA_NOREF

 private:
  const ScriptSnapshot& snapshot_;
  llm::LlmClient& llm_;
  jobs::JobJournal& journal_;
  JobControl& control_;
  const JobRequest& request_;
  const RunOptions& options_;
  Sandbox& sandbox_;
  std::thread::id owner_thread_;

  std::map<std::string, jobs::StepRecord> open_steps_;
  // Limits of every agent started in this job; stable addresses for the sandbox.
  std::vector<std::unique_ptr<AgentLimits>> agent_limits_;
  std::map<std::string, std::string> raw_replies_;
  size_t script_log_entries_ = 0;
  jobs::Progress progress_;
  // Events of deferred progress not written yet (progress_ is written with
  // them), and since when they wait.
  std::vector<jobs::Event> deferred_events_;
  std::optional<std::chrono::steady_clock::time_point> deferred_since_;
  // A checkpoint not written yet (hold_checkpoints); its events wait in
  // deferred_events_, in the order they happened.
  std::optional<jobs::StepRecord> held_step_;
  std::exception_ptr deferred_failure_;
  jobs::JobTotals totals_;

  // Shared with LLM call threads.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<int, std::shared_ptr<AsyncCall>> calls_;
  std::deque<int> finished_calls_;
  struct Posted {
    std::string key;  // step the notice belongs to (retries count on it)
    jobs::Event event;
    bool retry = false;
    bool waiting = false;
  };
  std::vector<Posted> posted_;
  std::vector<std::thread> call_threads_;
  std::atomic<bool> finishing_{false};
  // What an LLM call obeys. On other threads (parallel.map): the job's
  // control, plus this host ending (a finished job abandons what an aborted
  // parallel.map left running). On the job thread itself (llm.chat): the
  // job's control, and it writes deferred progress when due.
  class CallStop final : public llm::CallControl {
   public:
    CallStop(JobHost& host, bool on_job_thread) : host_(host), on_job_thread_(on_job_thread) {}
    bool stop_requested() const override;
    bool wait_for(std::chrono::milliseconds d) const override;
    int wake_fd() const override;
    std::chrono::milliseconds recheck_within() const override;

   private:
    // On the job thread: at most `at_most`, less when deferred progress falls
    // due or the agent's deadline comes first (neither wakes the descriptor).
    std::chrono::milliseconds job_thread_wake_within(std::chrono::milliseconds at_most) const;

    JobHost& host_;
    const bool on_job_thread_;
  };
  CallStop call_stop_{*this, false};
  CallStop sync_stop_{*this, true};
  int next_call_id_ = 1;
};

// Largest text a script can put into one stored message (log details, a
// progress message, a step's or the job's error): longer text is cut.
constexpr size_t kMaxMessageBytes = 64 * 1024;
// How long a deferred progress write (a step's "agent_started") may wait
// while the job waits on an LLM call; see JobHost::defer_progress.
constexpr std::chrono::milliseconds kDeferredProgressDelay{250};
// Most job.log / print entries one run of a job stores.
constexpr size_t kMaxScriptLogEntries = 1000;
// `s` cut to `limit` bytes with a "…[truncated]" marker when it is longer.
std::string truncated(std::string s, size_t limit);

// Each primitive group registers its functions into the table on the top of
// the stack, as closures over the host.
void register_job_primitives(lua_State* L, JobHost* host);
void register_llm_primitives(lua_State* L, JobHost* host);
void register_json_primitives(lua_State* L);
void register_template_primitive(lua_State* L);

// The prelude compiled once per process, loaded into each new state.
const std::string& prelude_bytecode();

}  // namespace agentry::lua
