// Runs jobs from the store on this process's worker threads: claims the next
// jobs while the global limit allows, runs each on a fresh Lua state, renews
// its lease by heartbeat, stops it on cancel or timeout, and writes its final
// status. Also the watchdog (expired leases, timeouts, TTL pruning).
//
// Any number of schedulers (one per `agentry serve`/`agentry worker` process)
// share one database: the store's claim enforces the global limit and order;
// this class only decides when to ask. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/jobs/store.h"
#include "runtime/llm/llm_client.h"
#include "runtime/lua/job_runner.h"
#include "runtime/lua/script_registry.h"

namespace agentry::scheduler {

struct SchedulerOptions {
  // Jobs running at once across every process on the database. Default 2.
  int max_running = 2;
  // Jobs this process runs at once; 0 means max_running.
  int worker_threads = 0;
  // How often a process looks for work it was not woken for (jobs created by
  // another process); jittered ±25 %. Default 500 ms.
  std::chrono::milliseconds poll_interval{500};
  // Lease length and heartbeat period. Defaults 60 s / 10 s.
  std::chrono::milliseconds lease{60'000};
  std::chrono::milliseconds heartbeat{10'000};
  // Resumptions after a lost worker before the job fails with lease_lost. Default 3.
  int max_attempts = 3;
  // Default job timeout (pipelines may set their own `timeout`). Default 30 min.
  std::chrono::milliseconds job_timeout{30 * 60'000};
  // Finished jobs older than this are deleted. Default 7 days.
  std::chrono::milliseconds finished_ttl{7LL * 24 * 3600'000};
  // How often the watchdog runs. Default 1 s.
  std::chrono::milliseconds watchdog_interval{1'000};
  // On shutdown, how long running jobs get to finish before they are stopped
  // and handed back to the queue. Default 20 s.
  std::chrono::milliseconds shutdown_grace{20'000};
  // Stable across restarts of the same process so it can take back its own
  // stale leases at once; unique per process on one database.
  std::string worker_id;
  lua::RunOptions run;
  // Called when a job of this process reaches a final status here
  // (pipeline, "completed" | "failed" | "cancelled", seconds since it started).
  std::function<void(const std::string&, const std::string&, double)> on_job_finished;
};

struct SchedulerStats {
  int running = 0;  // jobs on this process's threads
  uint64_t started = 0, completed = 0, failed = 0, cancelled = 0, lost = 0;
  std::map<std::string, uint64_t> failed_by_reason;  // error.reason -> jobs
};

class Scheduler {
 public:
  Scheduler(SchedulerOptions options, jobs::JobStore& store, lua::ScriptRegistry& registry,
            std::shared_ptr<llm::LlmClient> llm);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the claim loop, heartbeats and the watchdog.
  void start();
  // Stops claiming, lets running jobs finish within the grace period, stops
  // the rest and hands them back to the queue. Idempotent.
  void shutdown();

  // A job was created in this process: look for work now, not at the next poll.
  void notify_new_job();
  // Stops the job at once if it runs here (after the store marked it
  // cancelled); otherwise its worker learns it at its next heartbeat.
  void job_cancelled(const std::string& job_id);

  SchedulerStats stats() const;
  const SchedulerOptions& options() const { return options_; }

 private:
  struct Running;
  // A job claimed with the scripts it was claimed under.
  struct Claimed {
    jobs::ClaimedJob job;
    std::shared_ptr<const lua::ScriptSnapshot> snapshot;
  };
  void claim_loop();
  void heartbeat_loop();
  void watchdog_loop();
  jobs::ClaimRequest claim_request(int max_jobs, const lua::ScriptSnapshot& snapshot) const;
  std::shared_ptr<Running> make_running(jobs::ClaimedJob claimed, const lua::ScriptSnapshot& snapshot) const;
  // Runs the job and writes its outcome; returns the job claimed in its place.
  std::shared_ptr<Running> run_one_running(const std::shared_ptr<Running>& running);
  // How a job's writes ride out a database outage: for as long as its lease
  // would have kept it here, unless the job is stopped (cancelled, timed
  // out, or shut down past the grace period).
  jobs::OutagePolicy outage_policy(const lua::JobControl& control) const;
  // Writes the job's final status; a completion may claim the next job.
  std::optional<Claimed> finish(Running& running, const lua::JobOutcome& outcome);
  int local_capacity() const;

  SchedulerOptions options_;
  jobs::JobStore& store_;
  lua::ScriptRegistry& registry_;
  std::shared_ptr<llm::LlmClient> llm_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool wake_requested_ = false;
  std::atomic<bool> stopping_{false};
  std::map<std::string, std::shared_ptr<Running>> running_;
  std::vector<std::thread> threads_;            // claim, heartbeat, watchdog
  std::vector<std::thread> job_threads_;        // worker_threads of them, each running one job at a time
  std::deque<std::shared_ptr<Running>> ready_;  // claimed, waiting for a worker thread
  std::condition_variable job_ready_;
  void worker_loop();
  SchedulerStats stats_;
};

}  // namespace agentry::scheduler
