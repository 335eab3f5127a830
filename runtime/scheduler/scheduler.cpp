#include "runtime/scheduler/scheduler.h"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "runtime/log/log_context.h"

namespace agentry::scheduler {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

struct Scheduler::Running {
  jobs::Lease lease;
  jobs::Job job;
  lua::JobControl control;
  Running(jobs::Lease l, jobs::Job j, SteadyClock::time_point deadline)
      : lease(std::move(l)), job(std::move(j)), control(deadline) {}
};

namespace {

milliseconds jittered(milliseconds base) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.75, 1.25);
  return milliseconds(static_cast<int64_t>(static_cast<double>(base.count()) * factor(rng)));
}

// Logs a failing loop's error once per distinct message, not every pass.
class ErrorOnce {
 public:
  void report(const char* where, const std::string& message) {
    if (message == last_) return;
    last_ = message;
    spdlog::error("{}: {}", where, message);
  }
  void clear() { last_.clear(); }

 private:
  std::string last_;
};

}  // namespace

Scheduler::Scheduler(SchedulerOptions options, jobs::JobStore& store, lua::ScriptRegistry& registry,
                     std::shared_ptr<llm::LlmClient> llm)
    : options_(std::move(options)), store_(store), registry_(registry), llm_(std::move(llm)) {
  if (options_.worker_threads <= 0) options_.worker_threads = options_.max_running;
  if (options_.worker_id.empty()) options_.worker_id = "worker-" + jobs::new_job_id().substr(0, 8);
  options_.run.result_tree = false;       // the store takes the result as text,
  options_.run.result_from_steps = true;  // or as the stored steps it is made of
  // On MySQL a job's last step goes with its completion: one commit (and
  // fsync) less per job. On SQLite the same measured worse in the
  // latency-bound scenario (worse in 16 of 23 A/B pairs), so there every
  // checkpoint is written when its step ends.
  options_.run.hold_checkpoints = store_.backend() == "mysql";
}

Scheduler::~Scheduler() { shutdown(); }

void Scheduler::start() {
  // Jobs this worker id held when its process died are not running any more:
  // hand them to the watchdog now instead of after their leases expire.
  try {
    if (int n = store_.expire_leases_of(options_.worker_id); n > 0) {
      spdlog::warn("scheduler: {} job(s) of a previous run of {} will resume now", n, options_.worker_id);
      store_.rescue_expired_leases(jobs::now_ms(), options_.max_attempts);
    }
  } catch (const std::exception& e) {
    spdlog::error("scheduler: cannot recover this worker's earlier jobs: {}", e.what());
  }
  for (int i = 0; i < options_.worker_threads; ++i) job_threads_.emplace_back([this] { worker_loop(); });
  threads_.emplace_back([this] { claim_loop(); });
  threads_.emplace_back([this] { heartbeat_loop(); });
  threads_.emplace_back([this] { watchdog_loop(); });
  spdlog::info("scheduler: worker {} runs up to {} jobs here, {} across the cluster", options_.worker_id,
               options_.worker_threads, options_.max_running);
}

void Scheduler::notify_new_job() {
  {
    std::lock_guard lock(mutex_);
    wake_requested_ = true;
  }
  wake_.notify_all();
}

void Scheduler::job_cancelled(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  if (auto it = running_.find(job_id); it != running_.end()) it->second->control.cancel();
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard lock(mutex_);
  SchedulerStats s = stats_;
  s.running = static_cast<int>(running_.size());
  return s;
}

int Scheduler::local_capacity() const { return options_.worker_threads - static_cast<int>(running_.size()); }

void Scheduler::claim_loop() {
  ErrorOnce errors;
  while (!stopping_) {
    int capacity;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, jittered(options_.poll_interval), [&] { return wake_requested_ || stopping_.load(); });
      wake_requested_ = false;
      if (stopping_) break;
      capacity = local_capacity();
    }
    auto snapshot = registry_.current();
    if (!snapshot) continue;

    // With every thread busy the claim still runs, with room for no job: a
    // job created over the global limit turns "queued" now, not when a slot
    // frees (completions hand their slots over without queueing anything).
    std::vector<jobs::ClaimedJob> claimed;
    try {
      claimed = store_.claim(claim_request(std::max(capacity, 0), *snapshot));
      errors.clear();
    } catch (const std::exception& e) {
      errors.report("scheduler: claim failed", e.what());
      continue;
    }
    std::lock_guard lock(mutex_);
    for (auto& c : claimed) {
      auto running = make_running(std::move(c), *snapshot);
      running_[running->job.id] = running;
      ++stats_.started;
      ready_.push_back(std::move(running));
    }
    job_ready_.notify_all();
    // Filled every slot: more may be waiting, look again at once.
    if (!claimed.empty() && static_cast<int>(claimed.size()) == capacity) wake_requested_ = true;
  }
}

jobs::ClaimRequest Scheduler::claim_request(int max_jobs, const lua::ScriptSnapshot& snapshot) const {
  return {.worker_id = options_.worker_id,
          .max_jobs = max_jobs,
          .max_running = options_.max_running,
          .lease = options_.lease,
          .script_version = snapshot.version};
}

std::shared_ptr<Scheduler::Running> Scheduler::make_running(jobs::ClaimedJob claimed,
                                                            const lua::ScriptSnapshot& snapshot) const {
  // The job's own timeout, counted from its first start.
  milliseconds timeout = options_.job_timeout;
  if (const auto* p = snapshot.find_pipeline(claimed.job.pipeline); p && p->timeout_seconds)
    timeout = milliseconds(int64_t{*p->timeout_seconds} * 1000);
  const auto started = claimed.job.started_at.value_or(jobs::now_ms());
  const auto left = timeout - (jobs::now_ms() - started);
  return std::make_shared<Running>(std::move(claimed.lease), std::move(claimed.job), SteadyClock::now() + left);
}

void Scheduler::worker_loop() {
  while (true) {
    std::shared_ptr<Running> next;
    {
      std::unique_lock lock(mutex_);
      job_ready_.wait(lock, [&] { return !ready_.empty() || stopping_.load(); });
      if (ready_.empty()) return;  // stopping with nothing left to run
      next = std::move(ready_.front());
      ready_.pop_front();
    }
    // A job that completes may hand this thread the next one (finish()).
    while (next) next = run_one_running(next);
  }
}

std::shared_ptr<Scheduler::Running> Scheduler::run_one_running(const std::shared_ptr<Running>& running) {
  const jobs::Job& job = running->job;
  // Every line logged on this thread while the job runs carries its id.
  const log::ScopedJobId log_context(job.id);
  auto snapshot = registry_.find_version(job.script_version);
  if (!snapshot) {
    snapshot = registry_.current();
    if (!job.script_version.empty() && snapshot && snapshot->version != job.script_version)
      spdlog::warn("job {}: script version {} is not loaded here; resuming on {}", job.id, job.script_version,
                   snapshot->version);
  }
  spdlog::info("job {}: {} attempt {} started on {}", job.id, job.pipeline, running->lease.attempt, options_.worker_id);
  lua::JobOutcome outcome;
  try {
    auto journal = jobs::make_store_journal(store_, running->lease, outage_policy(running->control));
    outcome = lua::run_job(*snapshot, *llm_, *journal, running->control,
                           {job.id, job.pipeline, job.input, running->lease.attempt}, options_.run);
  } catch (const jobs::LeaseLost&) {
    outcome.lease_lost = true;
  } catch (const std::exception& e) {
    outcome.error = jobs::JobError{"internal_error", e.what()};
  }
  std::shared_ptr<Running> next;
  if (auto claimed = finish(*running, outcome)) next = make_running(std::move(claimed->job), *claimed->snapshot);
  {
    std::lock_guard lock(mutex_);
    running_.erase(job.id);
    if (next) {
      // The slot stays taken: no claim needed.
      running_[next->job.id] = next;
      ++stats_.started;
      return next;
    }
    wake_requested_ = true;
  }
  wake_.notify_all();
  return nullptr;
}

jobs::OutagePolicy Scheduler::outage_policy(const lua::JobControl& control) const {
  return {options_.lease, [&control](milliseconds pause) {
            // Past the job's deadline wait_for returns at once; the watchdog
            // is about to stop the job.
            if (const auto end = control.deadline(); end && SteadyClock::now() >= *end)
              std::this_thread::sleep_for(pause);
            return control.wait_for(pause);
          }};
}

std::optional<Scheduler::Claimed> Scheduler::finish(Running& running, const lua::JobOutcome& outcome) {
  const auto& id = running.job.id;
  std::string status;
  std::optional<Claimed> next;
  const auto final_write = outage_policy(running.control);
  try {
    if (outcome.lease_lost) {
      status = "lost";
    } else if (outcome.status == jobs::JobStatus::completed) {
      const auto summary = std::to_string(outcome.progress.completed_steps) + " steps";
      const auto* last_step = outcome.last_step ? &*outcome.last_step : nullptr;
      // The completion claims the next job for this thread in the same
      // transaction: the slot never stands empty waiting for the claim loop
      // (on MariaDB that wait was 58 ms, median, in the latency-bound run).
      auto snapshot = stopping_ ? nullptr : registry_.current();
      if (snapshot) {
        std::vector<jobs::ClaimedJob> claimed;
        jobs::retry_through_outage(final_write, "completion", [&] {
          claimed = store_.complete_and_claim(running.lease, outcome.stored_result, outcome.progress, outcome.totals,
                                              summary, last_step, claim_request(1, *snapshot));
        });
        if (!claimed.empty()) next = Claimed{std::move(claimed.front()), std::move(snapshot)};
      } else {
        jobs::retry_through_outage(final_write, "completion", [&] {
          store_.complete(running.lease, outcome.stored_result, outcome.progress, outcome.totals, summary, last_step);
        });
      }
      status = "completed";
    } else if (outcome.status == jobs::JobStatus::cancelled) {
      // The store marked it cancelled when the request came in.
      status = "cancelled";
    } else if (stopping_ && outcome.error && outcome.error->reason == "cancelled") {
      status = "lost";
    } else {
      jobs::retry_through_outage(final_write, "failure", [&] {
        store_.fail(running.lease, outcome.error.value_or(jobs::JobError{"internal_error", "unknown failure"}),
                    outcome.progress, outcome.totals);
      });
      status = "failed";
    }
  } catch (const jobs::LeaseLost&) {
    status = "lost";
  } catch (const std::exception& e) {
    // The lease will expire and the job will be resumed elsewhere.
    spdlog::error("job {}: could not store its outcome: {}", id, e.what());
    status = "lost";
  }
  if (options_.on_job_finished && status != "lost" && running.job.started_at)
    options_.on_job_finished(running.job.pipeline, status,
                             static_cast<double>((jobs::now_ms() - *running.job.started_at).count()) / 1000.0);
  if (status == "failed" && outcome.error)
    spdlog::warn("job {}: failed: {}: {}", id, outcome.error->reason, outcome.error->message);
  else
    spdlog::info("job {}: {}", id, status);
  std::lock_guard lock(mutex_);
  if (status == "completed") ++stats_.completed;
  if (status == "failed") {
    ++stats_.failed;
    ++stats_.failed_by_reason[outcome.error ? outcome.error->reason : "internal_error"];
  }
  if (status == "cancelled") ++stats_.cancelled;
  if (status == "lost") ++stats_.lost;
  return next;
}

void Scheduler::heartbeat_loop() {
  ErrorOnce errors;
  while (!stopping_) {
    std::vector<std::shared_ptr<Running>> running;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.heartbeat, [&] { return stopping_.load(); });
      for (const auto& [_, r] : running_) running.push_back(r);
    }
    for (const auto& r : running) {
      try {
        switch (store_.heartbeat(r->lease, options_.lease)) {
          case jobs::LeaseStatus::held: break;
          case jobs::LeaseStatus::cancelled: r->control.cancel(); break;
          case jobs::LeaseStatus::lost: r->control.lease_lost(); break;
        }
        errors.clear();
      } catch (const std::exception& e) {
        errors.report("scheduler: heartbeat failed", e.what());
      }
    }
  }
}

void Scheduler::watchdog_loop() {
  ErrorOnce errors;
  auto next_prune = SteadyClock::now();
  while (!stopping_) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, jittered(options_.watchdog_interval), [&] { return stopping_.load(); });
      if (stopping_) break;
    }
    try {
      const auto now = jobs::now_ms();
      auto rescued = store_.rescue_expired_leases(now, options_.max_attempts);
      for (const auto& id : rescued.requeued) {
        const log::ScopedJobId log_context(id);
        spdlog::warn("job {}: worker lost; queued to resume", id);
      }
      for (const auto& id : rescued.failed) {
        const log::ScopedJobId log_context(id);
        spdlog::warn("job {}: worker lost on its last attempt; failed", id);
      }
      if (!rescued.requeued.empty()) notify_new_job();
      // Running jobs time out in their worker; this catches jobs whose worker
      // keeps its heartbeat but cannot stop them. Pipelines may run longer than
      // the default, so the longest declared timeout is the backstop.
      milliseconds backstop = options_.job_timeout;
      if (auto snap = registry_.current())
        for (const auto& [_, p] : snap->pipelines)
          if (p.timeout_seconds) backstop = std::max(backstop, milliseconds(int64_t{*p.timeout_seconds} * 1000));
      for (const auto& id : store_.fail_timed_out(now, backstop + options_.lease).failed) {
        const log::ScopedJobId log_context(id);
        spdlog::warn("job {}: timed out", id);
      }
      if (SteadyClock::now() >= next_prune) {
        next_prune = SteadyClock::now() + std::chrono::minutes(10);
        if (int n = store_.delete_finished_before(now - options_.finished_ttl); n > 0)
          spdlog::info("pruned {} finished jobs older than the TTL", n);
      }
      errors.clear();
    } catch (const std::exception& e) {
      errors.report("scheduler: watchdog failed", e.what());
    }
  }
}

void Scheduler::shutdown() {
  if (stopping_.exchange(true)) return;
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  // Running jobs get the grace period to finish, then are stopped; their
  // leases expire and the watchdog of a live process resumes them from
  // their checkpoints.
  const auto deadline = SteadyClock::now() + options_.shutdown_grace;
  while (SteadyClock::now() < deadline) {
    {
      std::lock_guard lock(mutex_);
      if (running_.empty()) break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& [_, r] : running_) r->control.lease_lost();
  }
  job_ready_.notify_all();
  for (auto& t : job_threads_)
    if (t.joinable()) t.join();
}

}  // namespace agentry::scheduler
