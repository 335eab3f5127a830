// Claims, lease renewal, the watchdog's rescues and the TTL cleanup.
#include <algorithm>
#include <iterator>

#include "runtime/jobs/job_rows.h"
#include "runtime/jobs/sql_job_store.h"

namespace agentry::jobs {
namespace {

void require_worker_id(const std::string& worker_id) {
  if (worker_id.empty() || worker_id.size() > 255)
    throw std::invalid_argument("worker_id must be 1..255 bytes long, got " + std::to_string(worker_id.size()));
}

void append(std::vector<sql::Statement>& to, std::vector<sql::Statement> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

// The claim reads the jobs it changes under its lock (SQLite's write lock,
// MySQL's row locks), so each statement matches its row; if one did not, the
// transaction rolls back rather than start a job without its event.
void require_all_matched(const std::vector<int64_t>& matched, const char* what) {
  if (std::any_of(matched.begin(), matched.end(), [](int64_t n) { return n != 1; }))
    throw StoreError(std::string(what) + ": a job changed under the claim's lock; nothing was claimed");
}

}  // namespace

std::vector<ClaimedJob> SqlJobStore::claim(const ClaimRequest& r) {
  require_worker_id(r.worker_id);
  if (r.max_jobs < 0 || r.max_running < 1) return {};
  auto claimed = transact([&](sql::Connection& c) { return claim_in(c, r, ClaimKind::fill); });
  if (!claimed.empty()) ranks_.changed();
  return claimed;
}

std::vector<ClaimedJob> SqlJobStore::claim_in(sql::Connection& c, const ClaimRequest& r, ClaimKind kind) {
  const TimePoint now = r.now.value_or(now_ms());
  sql::Rows head;
  int64_t running = 0;
  if (kind == ClaimKind::hand_over) {
    // The completion earlier in this transaction freed the slot this fills,
    // so the running count cannot rise and the claim lock is not needed: hand
    // overs of every process run side by side, each taking the first waiting
    // job the others have not locked. The count (this job no longer in it)
    // only stops a hand-over above a lowered limit.
    head = c.query(sql_.select_claimable_and_running, {int64_t{1}});
    if (head.empty()) return {};
    running = head.front().integer(kJobColumns);
    if (running >= r.max_running) return {};
  } else {
    if (!sql_.lock_claims.empty()) c.query(sql_.lock_claims);
    running = c.query(sql_.count_running).front().integer(0);
    const int64_t slots = std::min<int64_t>(r.max_jobs, r.max_running - running);
    if (slots > 0) head = c.query(sql_.select_claimable, {slots});
  }

  // Every job starts in one batch (one round trip on MySQL, not three per job),
  // built from its row as read under its lock, changed as the UPDATE changes it.
  std::vector<ClaimedJob> claimed;
  std::vector<sql::Statement> starts;
  for (const auto& row : head) {
    Job job = job_from_row(row);
    const bool resumed = ++job.attempt > 1;
    if (job.script_version.empty()) job.script_version = clip(r.script_version, 128);
    job.status = JobStatus::running;
    job.worker_id = r.worker_id;
    job.lease_until = now + r.lease;
    job.started_at = job.started_at.value_or(now);
    starts.push_back(
        {sql_.start_job, {r.worker_id, sql::ms(*job.lease_until), sql::ms(now), job.script_version, job.id}});
    append(starts,
           event_inserts(job.id, {Event{0, now, resumed ? "resumed" : "started",
                                        "worker " + r.worker_id + ", attempt " + std::to_string(job.attempt) +
                                            (resumed ? "; completed steps replay from their checkpoints" : "")}}));
    Lease lease{job.id, r.worker_id, job.attempt};
    claimed.push_back({std::move(lease), std::move(job)});
  }
  if (!starts.empty()) require_all_matched(c.execute_batch(starts), "claim");

  // A hand-over leaves pending jobs to the claim loop's claims, which run
  // whenever a job is created.
  const int64_t now_running = running + static_cast<int64_t>(claimed.size());
  if (kind == ClaimKind::fill && now_running >= r.max_running) {
    const std::string why = "waiting for a free slot: " + std::to_string(now_running) + " jobs running, limit " +
                            std::to_string(r.max_running);
    std::vector<sql::Statement> marks;
    for (const auto& row : c.query(sql_.select_pending_ids)) {
      const std::string id = row.text(0);
      marks.push_back({sql_.mark_queued, {id}});
      append(marks, event_inserts(id, {Event{0, now, "queued", why}}));
    }
    if (!marks.empty()) require_all_matched(c.execute_batch(marks), "queueing");
  }
  return claimed;
}

LeaseStatus SqlJobStore::heartbeat(const Lease& lease, std::chrono::milliseconds lease_length, TimePoint now) {
  return read([&](sql::Connection& c) {
    const auto renewed =
        c.execute(sql_.heartbeat, {sql::ms(now + lease_length), lease.job_id, lease.worker_id, int64_t{lease.attempt}});
    if (renewed == 1) return LeaseStatus::held;
    const auto rows = c.query(sql_.select_status, {lease.job_id});
    return !rows.empty() && rows.front().text(0) == "cancelled" ? LeaseStatus::cancelled : LeaseStatus::lost;
  });
}

WatchdogReport SqlJobStore::rescue_expired_leases(TimePoint now, int max_attempts) {
  const auto expired = read([&](sql::Connection& c) { return c.query(sql_.select_expired_leases, {sql::ms(now)}); });
  WatchdogReport report;
  for (const auto& row : expired) {
    const std::string id = row.text(0);
    const int64_t attempt = row.integer(1);
    const std::string lost = "worker " + row.text(2) + " stopped renewing its lease on attempt " +
                             std::to_string(attempt) + " of " + std::to_string(max_attempts);
    // Each job in its own transaction, guarded again: a heartbeat that landed
    // since the select, or another process's watchdog, wins.
    const bool requeue = attempt < max_attempts;
    const bool done = transact([&](sql::Connection& c) {
      if (requeue) {
        if (c.execute(sql_.requeue_expired, {id, attempt, sql::ms(now)}) != 1) return false;
        insert_event(c, id, "lease_expired", lost + "; requeued", now);
      } else {
        const std::string message = lost + "; no attempts left";
        if (c.execute(sql_.fail_expired, {message, sql::ms(now), id, attempt, sql::ms(now)}) != 1) return false;
        insert_event(c, id, "failed", "lease_lost: " + message, now);
      }
      return true;
    });
    if (done) (requeue ? report.requeued : report.failed).push_back(id);
  }
  if (!report.requeued.empty()) ranks_.changed();
  return report;
}

int SqlJobStore::expire_leases_of(const std::string& worker_id, TimePoint now) {
  // One millisecond in the past, so `lease_until < now` holds for the rescue.
  return transact([&](sql::Connection& c) {
    return static_cast<int>(
        c.execute(sql_.expire_worker_leases, {sql::ms(now - std::chrono::milliseconds(1)), worker_id}));
  });
}

WatchdogReport SqlJobStore::fail_timed_out(TimePoint now, std::chrono::milliseconds timeout) {
  const auto started_before = sql::ms(now - timeout);
  const auto late = read([&](sql::Connection& c) { return c.query(sql_.select_timed_out, {started_before}); });
  WatchdogReport report;
  const std::string message = "the job ran longer than its " + std::to_string(timeout.count() / 1000) +
                              " s timeout; raise the job timeout or shorten the pipeline";
  for (const auto& row : late) {
    const std::string id = row.text(0);
    const bool failed = transact([&](sql::Connection& c) {
      if (c.execute(sql_.fail_timed_out, {message, sql::ms(now), id, started_before}) != 1) return false;
      insert_event(c, id, "timeout", message, now);
      return true;
    });
    if (failed) report.failed.push_back(id);
  }
  return report;
}

int SqlJobStore::delete_finished_before(TimePoint cutoff, int batch) {
  return transact([&](sql::Connection& c) {
    int deleted = 0;
    for (const auto& row : c.query(sql_.select_finished_before, {sql::ms(cutoff), int64_t{std::max(batch, 1)}})) {
      const std::string id = row.text(0);
      if (c.execute(sql_.delete_finished_job, {id}) != 1) continue;
      c.execute(sql_.delete_job_events, {id});
      c.execute(sql_.delete_job_steps, {id});
      ++deleted;
    }
    return deleted;
  });
}

}  // namespace agentry::jobs
