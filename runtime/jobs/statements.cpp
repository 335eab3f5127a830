// All SQL of the job store. SQLite and MySQL share every statement except the
// claim locking and a worker's step and event inserts; each is written once
// below and adapted where the backends differ.
//
// Conventions:
// - times are INTEGER/BIGINT milliseconds since the epoch (UTC);
// - `waiting` is a generated column, 1 for pending and queued jobs, so one
//   index (waiting, priority, created_at, id) serves the claim order;
// - every job row carries `event_seq`, the last event number: a write adds n
//   events by raising it by n in the same UPDATE that checks its guard (which
//   also locks the row), then inserting the events numbered from it, so
//   numbers are gap-free per job and in commit order for SSE readers;
// - worker writes are guarded by kFence: a worker whose job was taken over,
//   timed out or cancelled matches no row.
#include "runtime/jobs/statements.h"

namespace agentry::jobs {
namespace {

// Every worker write's guard: (id, worker_id, attempt).
constexpr const char* kFence = "id = ? AND worker_id = ? AND attempt = ? AND status = 'running'";

// A job row is head, input, result (two columns: its text, or the steps it is
// made of), tail (JobColumn order).
constexpr const char* kJobHead = "id, pipeline, status, priority";
constexpr const char* kJobTail =
    "error_reason, error_message, progress, llm_calls, prompt_tokens, completion_tokens, retry_count, attempt, "
    "script_version, owner, idempotency_key, worker_id, lease_until, created_at, started_at, completed_at";

constexpr const char* kResultColumns = "result, result_steps";
constexpr const char* kNoResult = "NULL, NULL";

std::string job_columns(const char* input, const char* result) {
  return std::string(kJobHead) + ", " + input + ", " + result + ", " + kJobTail;
}

// `raise_seq`: how a fenced UPDATE raises event_seq by its parameter n.
Statements common(const std::string& raise_seq) {
  Statements s;
  const std::string columns = job_columns("input", kResultColumns);
  const std::string fence = std::string(" WHERE ") + kFence;

  // (id, pipeline, priority, input, progress, owner, idempotency_key|NULL,
  // created_at): a pending job whose first event is numbered 1.
  s.insert_job =
      "INSERT INTO agentry_jobs (id, pipeline, status, priority, input, progress, owner, idempotency_key, "
      "created_at, event_seq) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, 1)";
  // (id)
  s.select_job = "SELECT " + columns + " FROM agentry_jobs WHERE id = ?";
  s.select_job_without_input = "SELECT " + job_columns("NULL", kResultColumns) + " FROM agentry_jobs WHERE id = ?";
  // (owner, idempotency_key)
  s.select_job_by_idempotency_key = "SELECT " + columns + " FROM agentry_jobs WHERE owner = ? AND idempotency_key = ?";
  // (limit): the queue from its head, in the order claims take it, so queue
  // positions (QueueRanks) count what claims will take first.
  const std::string queue_head = " FROM agentry_jobs WHERE waiting = 1 ORDER BY priority, created_at, id LIMIT ?";
  s.select_waiting_in_order = "SELECT id" + queue_head;
  // (limit): the same, whole rows: a claim starts them without reading them
  // back. Each backend adds its locking.
  s.select_claimable = "SELECT " + columns + queue_head;
  // (limit): the same, each row with the number of running jobs, as this
  // statement's snapshot has it (MySQL locks only the outer rows).
  s.select_claimable_and_running =
      "SELECT " + columns + ", (SELECT COUNT(*) FROM agentry_jobs WHERE status = 'running')" + queue_head;
  // (priority, priority, created_at, priority, created_at, id): waiting jobs
  // that a claim takes before this one; its queue position is that count + 1.
  // Three counts, each a range of the claim index, so the cost grows with the
  // jobs ahead only; one OR-ed condition made both databases walk every
  // waiting job (11 ms per GET with 15,000 waiting).
  s.count_ahead_in_queue =
      "SELECT (SELECT COUNT(*) FROM agentry_jobs WHERE waiting = 1 AND priority < ?) + "
      "(SELECT COUNT(*) FROM agentry_jobs WHERE waiting = 1 AND priority = ? AND created_at < ?) + "
      "(SELECT COUNT(*) FROM agentry_jobs WHERE waiting = 1 AND priority = ? AND created_at = ? AND id < ?)";
  // A list page, newest first: prefix, then any of the filters, then
  // order_limit (limit). Input is never listed; the result only when asked.
  s.list_jobs_prefix = "SELECT " + job_columns("NULL", kNoResult) + " FROM agentry_jobs WHERE 1 = 1";
  s.list_jobs_prefix_with_result = "SELECT " + job_columns("NULL", kResultColumns) + " FROM agentry_jobs WHERE 1 = 1";
  s.list_filter_status = " AND status = ?";
  s.list_filter_pipeline = " AND pipeline = ?";
  s.list_filter_owner = " AND owner = ?";
  // (created_at, created_at, id) of the last job of the previous page.
  s.list_after_cursor = " AND (created_at < ? OR (created_at = ? AND id < ?))";
  s.list_order_limit = " ORDER BY created_at DESC, id DESC LIMIT ?";
  s.count_by_status = "SELECT status, COUNT(*) FROM agentry_jobs GROUP BY status";
  // Two index lookups on (status, created_at, id).
  s.oldest_waiting = "SELECT MIN(created_at) FROM agentry_jobs WHERE status IN ('pending', 'queued')";

  // (message, completed_at, id): waiting or running -> cancelled, one event.
  s.cancel_job =
      "UPDATE agentry_jobs SET status = 'cancelled', error_reason = 'cancelled', error_message = ?, "
      "completed_at = ?, lease_until = NULL, event_seq = event_seq + 1 "
      "WHERE id = ? AND status IN ('pending', 'queued', 'running')";
  // (id): only a finished job is deleted; its events and steps go after it.
  s.delete_finished_job = "DELETE FROM agentry_jobs WHERE id = ? AND status IN ('completed', 'failed', 'cancelled')";
  s.delete_job_events = "DELETE FROM agentry_job_events WHERE job_id = ?";
  s.delete_job_steps = "DELETE FROM agentry_job_steps WHERE job_id = ?";
  // (cutoff, batch): finished jobs past their TTL.
  s.select_finished_before =
      "SELECT id FROM agentry_jobs WHERE completed_at < ? AND status IN ('completed', 'failed', 'cancelled') "
      "ORDER BY completed_at LIMIT ?";

  // (back, ts, event, details, id): the event numbered event_seq - back, after
  // the row's event_seq was raised in this transaction.
  s.insert_event =
      "INSERT INTO agentry_job_events (job_id, seq, ts, event, details) "
      "SELECT id, event_seq - ?, ?, ?, ? FROM agentry_jobs WHERE id = ?";
  // (id, after_seq, limit)
  s.select_events_after =
      "SELECT seq, ts, event, details FROM agentry_job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?";
  constexpr const char* step_columns =
      "step_key, agent, status, output, raw_reply, error, llm_calls, prompt_tokens, completion_tokens, attempts, "
      "retries, started_at, finished_at";
  // (id)
  s.select_steps = "SELECT " + std::string(step_columns) + " FROM agentry_job_steps WHERE job_id = ? ORDER BY step_key";
  // (id): what a result made of steps is put together from.
  s.select_step_outputs = "SELECT step_key, output FROM agentry_job_steps WHERE job_id = ? AND status = 'completed'";
  // (id, key): only a completed step is replayed.
  s.select_completed_step = "SELECT " + std::string(step_columns) +
                            " FROM agentry_job_steps WHERE job_id = ? AND step_key = ? AND status = 'completed'";

  s.count_running = "SELECT COUNT(*) FROM agentry_jobs WHERE status = 'running'";
  // (worker_id, lease_until, now, script_version, id): a waiting job starts
  // its next attempt; started_at and script_version keep their first values.
  s.start_job =
      "UPDATE agentry_jobs SET status = 'running', worker_id = ?, attempt = attempt + 1, lease_until = ?, "
      "started_at = COALESCE(started_at, ?), "
      "script_version = CASE WHEN script_version = '' THEN ? ELSE script_version END, "
      "event_seq = event_seq + 1 WHERE id = ? AND waiting = 1";
  // (id)
  s.mark_queued =
      "UPDATE agentry_jobs SET status = 'queued', event_seq = event_seq + 1 "
      "WHERE id = ? AND status = 'pending'";
  // (now)
  s.select_expired_leases =
      "SELECT id, attempt, worker_id FROM agentry_jobs WHERE status = 'running' AND lease_until < ?";
  // (now, worker_id): a restarted worker's own leases end at once, so the
  // watchdog resumes its jobs without waiting for them to expire.
  s.expire_worker_leases = "UPDATE agentry_jobs SET lease_until = ? WHERE worker_id = ? AND status = 'running'";
  // (id, attempt, now): back in the queue; the worker's fence no longer matches.
  s.requeue_expired =
      "UPDATE agentry_jobs SET status = 'pending', worker_id = NULL, lease_until = NULL, "
      "event_seq = event_seq + 1 WHERE id = ? AND attempt = ? AND status = 'running' AND lease_until < ?";
  // (message, completed_at, id, attempt, now)
  s.fail_expired =
      "UPDATE agentry_jobs SET status = 'failed', error_reason = 'lease_lost', error_message = ?, "
      "completed_at = ?, lease_until = NULL, event_seq = event_seq + 1 "
      "WHERE id = ? AND attempt = ? AND status = 'running' AND lease_until < ?";
  // (started_before)
  s.select_timed_out =
      "SELECT id FROM agentry_jobs WHERE status IN ('pending', 'queued', 'running') AND started_at < ?";
  // (message, completed_at, id, started_before)
  s.fail_timed_out =
      "UPDATE agentry_jobs SET status = 'failed', error_reason = 'timeout', error_message = ?, "
      "completed_at = ?, lease_until = NULL, event_seq = event_seq + 1 "
      "WHERE id = ? AND status IN ('pending', 'queued', 'running') AND started_at < ?";

  // (lease_until, kFence)
  s.heartbeat = "UPDATE agentry_jobs SET lease_until = ?" + fence;
  // (id)
  s.select_status = "SELECT status FROM agentry_jobs WHERE id = ?";
  // (id): what a cached document is checked against; priority and created_at
  // place a waiting job in the queue.
  s.select_version = "SELECT status, event_seq, priority, created_at FROM agentry_jobs WHERE id = ?";
  // (kFence)
  s.check_lease = "SELECT 1 FROM agentry_jobs" + fence;
  // (n, kFence): room for n events.
  s.add_events = "UPDATE agentry_jobs SET " + raise_seq + fence;
  // (progress, llm_calls, prompt_tokens, completion_tokens, retry_count, n, kFence)
  s.update_progress =
      "UPDATE agentry_jobs SET progress = ?, llm_calls = ?, prompt_tokens = ?, completion_tokens = ?, "
      "retry_count = ?, " +
      raise_seq + fence;
  // (result|NULL, result_steps|NULL, progress, llm_calls, prompt_tokens,
  // completion_tokens, retry_count, completed_at, n, kFence)
  s.complete_job =
      "UPDATE agentry_jobs SET status = 'completed', result = ?, result_steps = ?, progress = ?, llm_calls = ?, "
      "prompt_tokens = ?, completion_tokens = ?, retry_count = ?, completed_at = ?, lease_until = NULL, " +
      raise_seq + fence;
  // (reason, message, progress, llm_calls, prompt_tokens, completion_tokens,
  // retry_count, completed_at, n, kFence)
  s.fail_job =
      "UPDATE agentry_jobs SET status = 'failed', error_reason = ?, error_message = ?, progress = ?, "
      "llm_calls = ?, prompt_tokens = ?, completion_tokens = ?, retry_count = ?, completed_at = ?, "
      "lease_until = NULL, " +
      raise_seq + fence;
  return s;
}

// (job_id, key, agent, status, output, raw_reply, error, llm_calls,
// prompt_tokens, completion_tokens, attempts, retries, started_at,
// finished_at, job_attempt): a retried step replaces its earlier record.
constexpr const char* kInsertStepInto =
    "INSERT INTO agentry_job_steps (job_id, step_key, agent, status, output, raw_reply, error, llm_calls, "
    "prompt_tokens, completion_tokens, attempts, retries, started_at, finished_at, job_attempt) ";
constexpr const char* kStepValues = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

Statements make_sqlite() {
  Statements s = common("event_seq = event_seq + ?");
  // BEGIN IMMEDIATE already gives the claiming transaction the one write lock.
  s.lock_claims = "";
  s.select_pending_ids = "SELECT id FROM agentry_jobs WHERE status = 'pending'";
  s.upsert_step = std::string(kInsertStepInto) + "VALUES (" + kStepValues + ")" +
                  " ON CONFLICT (job_id, step_key) DO UPDATE SET agent = excluded.agent, status = excluded.status, "
                  "output = excluded.output, raw_reply = excluded.raw_reply, error = excluded.error, "
                  "llm_calls = excluded.llm_calls, prompt_tokens = excluded.prompt_tokens, "
                  "completion_tokens = excluded.completion_tokens, attempts = excluded.attempts, "
                  "retries = excluded.retries, started_at = excluded.started_at, "
                  "finished_at = excluded.finished_at, job_attempt = excluded.job_attempt";
  return s;
}

Statements make_mysql() {
  // LAST_INSERT_ID(x) also keeps x for this connection's next statements: the
  // events after a fenced UPDATE number themselves from it without reading
  // the job row again (an INSERT ... SELECT each, through the optimizer).
  Statements s = common("event_seq = LAST_INSERT_ID(event_seq + ?)");
  // Serializes claims of all processes, so the count of running jobs a claim
  // reads cannot change before it commits: the global limit holds. A
  // completion's hand-over does not take it (it swaps one running job for another).
  s.lock_claims = "SELECT id FROM agentry_claim_lock WHERE id = 1 FOR UPDATE";
  // (limit): rows another transaction holds (a cancel) are skipped, not waited for.
  s.select_claimable += " FOR UPDATE SKIP LOCKED";
  s.select_claimable_and_running += " FOR UPDATE SKIP LOCKED";
  s.select_pending_ids = "SELECT id FROM agentry_jobs WHERE status = 'pending' FOR UPDATE SKIP LOCKED";
  // A worker's write runs with its COMMIT in one round trip
  // (Connection::execute_batch_and_commit), so what follows the fenced UPDATE
  // checks the fence's verdict itself: ROW_COUNT() is what the statement
  // before matched, 0 only for an UPDATE whose fence failed (the connection
  // counts found rows, and every insert after it adds at least one). A failed
  // fence makes job_id or seq NULL, which the NOT NULL columns refuse (the
  // session is strict): the batch stops at the statement right after the
  // UPDATE and rolls back. No statement of its own records the verdict: each
  // one costs MariaDB a parse and an OK packet.
  s.guarded_after_fence = true;
  std::string rows;
  for (size_t n = 1; n <= Statements::kFencedEventRows; ++n) {
    rows += std::string(n > 1 ? ", " : "") + "(?, IF(ROW_COUNT() > 0, LAST_INSERT_ID() - ?, NULL), ?, ?, ?)";
    s.insert_fenced_event_rows.push_back("INSERT INTO agentry_job_events (job_id, seq, ts, event, details) VALUES " +
                                         rows);
  }
  s.upsert_step = std::string(kInsertStepInto) + "VALUES (IF(ROW_COUNT() > 0, ?, NULL), " + (kStepValues + 3) +
                  ")"
                  " ON DUPLICATE KEY UPDATE agent = VALUES(agent), status = VALUES(status), output = VALUES(output), "
                  "raw_reply = VALUES(raw_reply), error = VALUES(error), llm_calls = VALUES(llm_calls), "
                  "prompt_tokens = VALUES(prompt_tokens), completion_tokens = VALUES(completion_tokens), "
                  "attempts = VALUES(attempts), retries = VALUES(retries), started_at = VALUES(started_at), "
                  "finished_at = VALUES(finished_at), job_attempt = VALUES(job_attempt)";
  return s;
}

}  // namespace

const Statements& statements(sql::Backend backend) {
  static const Statements sqlite = make_sqlite();
  static const Statements mysql = make_mysql();
  return backend == sql::Backend::sqlite ? sqlite : mysql;
}

}  // namespace agentry::jobs
