// JobStore: the durable home of every job, its steps (checkpoints) and its
// execution log, in SQLite (embedded default) or MySQL/MariaDB (shared by any
// number of `agentry` processes). The API creates, reads, lists, cancels and
// deletes jobs; the scheduler claims them and runs the watchdog; a worker
// writes through a Lease (make_store_journal below), and every such write is fenced
// in SQL by (job id, worker id, attempt, status = running) so a worker whose
// job was rescued, timed out or cancelled changes nothing.
//
// Thread-safe: one JobStore per process, shared by all threads. It keeps a
// small pool of connections; a call waits for a free one (up to
// StoreOptions::acquire_timeout) instead of failing.
//
// Times are milliseconds since the epoch (UTC) from the caller's clock where a
// call takes `now`, so the watchdog and tests control time explicitly; lease
// expiry compares the clocks of different hosts, which NTP keeps far inside a
// 60 s lease.
//
// Errors: StoreError (wrong credentials, schema too new, ...) with a message
// that says what to fix, and its StoreUnavailable (outage.h) when the database
// is away or stays busy, which the same call may get past later; LeaseLost
// (journal.h) when a fenced write finds the lease gone; std::invalid_argument
// for values the columns cannot hold.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/jobs/job.h"
#include "runtime/jobs/journal.h"
#include "runtime/jobs/outage.h"

namespace agentry::jobs {

struct StoreOptions {
  // "sqlite:///abs/path.db", "sqlite:relative.db", a plain file path, or
  // "mysql://user:password@host:3306/database" (also "mariadb://"; add
  // "?socket=/run/mysqld/mysqld.sock" for a unix socket). Default: ./agentry.db.
  std::string url = "agentry.db";
  // Connections kept open. Every running worker holds one only for the length
  // of a write, but a MySQL commit waits for its fsync: with 8 connections,
  // 100 running jobs spent most of each step queueing for one (tools/bench/run,
  // latency-bound scenario), so the pool allows as many commits in flight
  // as a group commit can take. SQLite writes go through one more connection
  // of their own (SqlJobStore::writer_); the pool serves its reads.
  int pool_size = 32;
  // How long a call waits for a free connection before StoreError.
  std::chrono::milliseconds acquire_timeout{10'000};
  // MySQL: how long opening a connection may take before StoreError.
  std::chrono::milliseconds connect_timeout{10'000};
  // SQLite: how long a writer waits for another process's write lock.
  std::chrono::milliseconds sqlite_busy_timeout{10'000};
  // SQLite: how often a thread of the store copies the write-ahead log into
  // the database file (sql::WalCheckpointer), instead of a commit doing it.
  std::chrono::milliseconds sqlite_checkpoint_interval{100};
  // How long queue positions read once may serve GETs while this process
  // changes nothing (QueueRanks): the most another process's claims and
  // creates can go unseen in them.
  std::chrono::milliseconds queue_ranks_max_age{100};
};

// Everything a worker's writes are fenced by: returned by claim().
struct Lease {
  std::string job_id;
  std::string worker_id;
  int attempt = 0;
};

struct NewJob {
  std::string pipeline;  // 1..128 bytes
  nlohmann::json input = nlohmann::json::object();
  int priority = 0;             // lower runs first (0 before 10), like nice
  std::string owner;            // API principal; scopes idempotency keys, 0..128 bytes
  std::string idempotency_key;  // empty: none; else 1..255 bytes, unique per owner
};

struct CreateResult {
  Job job;
  bool created = true;  // false: the owner's idempotency key named an existing job, returned as is
};

struct ClaimRequest {
  std::string worker_id;  // unique per worker process, e.g. "host:pid:n"
  int max_jobs = 1;       // free worker threads of this process; 0 only queues pending jobs
  int max_running = 2;    // global limit across every process sharing the database
  std::chrono::milliseconds lease{60'000};
  std::string script_version;    // recorded on a job's first claim, kept through resume
  std::optional<TimePoint> now;  // empty: the time of the call (a reused request never goes stale)
};

struct ClaimedJob {
  Lease lease;
  Job job;  // input, attempt, script_version, started_at; no log or steps
};

enum class LeaseStatus {
  held,       // renewed; keep going
  cancelled,  // the job was cancelled: stop now, write nothing more
  lost,       // rescued, timed out or deleted: stop now, write nothing more
};

enum class CancelResult { cancelled, already_finished, not_found };
enum class DeleteResult { deleted, not_finished, not_found };

struct ListQuery {
  std::optional<JobStatus> status;
  std::string pipeline;      // empty: any
  std::string owner;         // empty: any
  int limit = 50;            // clamped to 1..500
  std::string cursor;        // next_cursor of the previous page; empty: newest
  bool with_result = false;  // results can be megabytes; a list usually wants none
};

struct JobPage {
  std::vector<Job> jobs;    // newest first; no execution log or steps
  std::string next_cursor;  // empty on the last page
};

// Where a job stands, for checking a rendered document against. Every write
// that changes a waiting or finished job's document raises its event_seq or
// changes its status (statements.cpp); a running job's progress can change
// without an event, so its documents are not cached.
struct JobVersion {
  JobStatus status = JobStatus::pending;
  int64_t event_seq = 0;                  // the job's last event number
  std::optional<int64_t> queue_position;  // while it waits
};

// One watchdog pass (rescue_expired_leases, fail_timed_out).
struct WatchdogReport {
  std::vector<std::string> requeued;  // lease expired, attempts left: pending again
  std::vector<std::string> failed;    // lease expired on the last attempt, or timed out
};

// What get() reads beyond the job row and its log. The input is what a
// client sent (often the largest column); a GET reads it only when asked.
struct JobParts {
  bool input = true;
  bool steps = false;
};

class JobStore {
 public:
  // Opens (creating and migrating as needed) the database named by options.url.
  static std::unique_ptr<JobStore> open(const StoreOptions& options);

  virtual ~JobStore() = default;
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // "sqlite" or "mysql".
  virtual std::string backend() const = 0;
  // Throws StoreError when the database cannot be reached (for /readyz).
  virtual void ping() = 0;

  // ---- API side ----

  // Inserts a pending job with its "created" event.
  virtual CreateResult create(const NewJob& job) = 0;
  // The job with queue_position (when waiting) and its execution log; the
  // input and the steps as `parts` asks.
  virtual std::optional<Job> get(const std::string& id, JobParts parts = {}) = 0;
  // The job's status and event_seq, with queue_position when it waits (one
  // primary-key lookup); none when it does not exist. What a cached document
  // is checked against: see JobVersion.
  virtual std::optional<JobVersion> version_of(const std::string& id) = 0;
  // The job with queue_position but no execution log or steps: what an event
  // stream re-reads every second, without the whole log each time.
  virtual std::optional<Job> get_state(const std::string& id) = 0;
  virtual JobPage list(const ListQuery& query) = 0;
  // Events with seq > after_seq, oldest first (SSE resumes with Last-Event-ID).
  virtual std::vector<Event> events_after(const std::string& id, int64_t after_seq, int limit = 1000) = 0;
  // A waiting or running job becomes cancelled at once (error.reason "cancelled");
  // its worker learns it from its next heartbeat or write.
  virtual CancelResult cancel(const std::string& id, const std::string& message = "cancelled by request") = 0;
  virtual DeleteResult remove(const std::string& id) = 0;
  // Jobs per status, for /metrics.
  virtual std::map<JobStatus, int64_t> count_by_status() = 0;
  // When the longest-waiting pending or queued job was created; none when
  // nothing waits. /metrics turns it into an age, so a stuck queue shows.
  virtual std::optional<TimePoint> oldest_waiting_created_at() = 0;

  // ---- scheduler side ----

  // In one short transaction: starts up to min(max_jobs, max_running - running)
  // waiting jobs in (priority, created_at, id) order, each with attempt + 1, a
  // lease and a "started" (first attempt) or "resumed" event. When the global
  // limit is then reached, pending jobs left waiting become "queued" (with a
  // "queued" event); max_jobs 0 does only that, for a process with no free
  // thread. Two callers never claim the same job.
  virtual std::vector<ClaimedJob> claim(const ClaimRequest& request) = 0;
  // Extends the lease to now + lease when it is still held.
  virtual LeaseStatus heartbeat(const Lease& lease, std::chrono::milliseconds lease_length,
                                TimePoint now = now_ms()) = 0;
  // Running jobs whose lease ended before `now`: back to pending (the next
  // claim resumes them from their checkpoints) while attempt < max_attempts,
  // else failed with error.reason "lease_lost".
  virtual WatchdogReport rescue_expired_leases(TimePoint now, int max_attempts) = 0;
  // Ends every lease `worker_id` holds (as of `now`): a worker process that
  // restarts under the same id knows its old jobs are not running any more,
  // and the next rescue_expired_leases resumes them at once. Returns how many.
  virtual int expire_leases_of(const std::string& worker_id, TimePoint now = now_ms()) = 0;
  // Jobs started more than `timeout` before `now` and not finished: failed with
  // error.reason "timeout" and a "timeout" event.
  virtual WatchdogReport fail_timed_out(TimePoint now, std::chrono::milliseconds timeout) = 0;
  // Deletes up to `batch` jobs finished before `cutoff` (the TTL); returns how many.
  virtual int delete_finished_before(TimePoint cutoff, int batch = 500) = 0;

  // ---- worker side: every call is fenced by the lease and throws LeaseLost
  // (changing nothing) when it is no longer held ----

  virtual std::optional<StepRecord> find_step(const Lease& lease, const std::string& key) = 0;
  // Step, progress, totals and events in one transaction.
  virtual void checkpoint(const Lease& lease, const StepRecord& step, const Progress& progress, const JobTotals& totals,
                          const std::vector<Event>& events) = 0;
  virtual void progress(const Lease& lease, const Progress& progress, const JobTotals& totals,
                        const std::vector<Event>& events) = 0;
  virtual void log(const Lease& lease, const std::vector<Event>& events) = 0;
  // Final writes, each with its own "completed" / "failed" event (details:
  // `summary` / error.message).
  // `last_step`, when given, is stored in the same transaction, its events
  // before "completed": the job's last checkpoint, which the engine held back
  // for it. A result made of steps must name stored completed steps only.
  virtual void complete(const Lease& lease, const JobResult& result, const Progress& progress, const JobTotals& totals,
                        const std::string& summary = "", const StepCheckpoint* last_step = nullptr) = 0;
  void complete(const Lease& lease, const nlohmann::json& result, const Progress& progress, const JobTotals& totals,
                const std::string& summary = "") {
    complete(lease, JobResult::text(json_text(result)), progress, totals, summary);
  }
  // complete(), then claim(next) in the same transaction: the worker that
  // frees a slot fills it at once instead of waiting for a claim of its own.
  // Pending jobs stay pending (claim() queues them), which keeps the claim
  // short. Throws LeaseLost as complete() does, and then claims nothing.
  virtual std::vector<ClaimedJob> complete_and_claim(const Lease& lease, const JobResult& result,
                                                     const Progress& progress, const JobTotals& totals,
                                                     const std::string& summary, const StepCheckpoint* last_step,
                                                     const ClaimRequest& next) = 0;
  virtual void fail(const Lease& lease, const JobError& error, const Progress& progress, const JobTotals& totals) = 0;

 protected:
  JobStore() = default;
};

// The JobJournal a worker hands to the engine: the store's fenced writes under
// one lease. A write that finds the database unavailable is tried again as
// `outage` says; when that gives up it throws LeaseLost, so the job stops and
// is left to its lease, to be resumed where it stopped.
std::unique_ptr<JobJournal> make_store_journal(JobStore& store, Lease lease, OutagePolicy outage = {});

}  // namespace agentry::jobs
