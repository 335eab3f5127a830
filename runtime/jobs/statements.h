// Every statement the job store runs, by name. One set per backend, both built
// in statements.cpp, where the text of each statement and its parameters are
// documented once. The store never writes SQL of its own.
#pragma once

#include <string>
#include <vector>

#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs {

// Column order of a job row (Statements::select_job and the list statements),
// read by job_rows.cpp.
enum JobColumn {
  kId,
  kPipeline,
  kStatus,
  kPriority,
  kInput,
  kResult,
  kResultSteps,  // a step pipeline's result as the steps it is made of (job.h JobResult)
  kErrorReason,
  kErrorMessage,
  kProgress,
  kLlmCalls,
  kPromptTokens,
  kCompletionTokens,
  kRetryCount,
  kAttempt,
  kScriptVersion,
  kOwner,
  kIdempotencyKey,
  kWorkerId,
  kLeaseUntil,
  kCreatedAt,
  kStartedAt,
  kCompletedAt,
  kJobColumns,
};

struct Statements {
  // ---- jobs: API side ----
  std::string insert_job;
  std::string select_job;
  std::string select_job_without_input;  // input NULL: the stored default {}
  std::string select_job_by_idempotency_key;
  std::string count_ahead_in_queue;
  std::string list_jobs_prefix;  // completed by the list_* clauses below
  std::string list_jobs_prefix_with_result;
  std::string list_filter_status;
  std::string list_filter_pipeline;
  std::string list_filter_owner;
  std::string list_after_cursor;
  std::string list_order_limit;
  std::string count_by_status;
  std::string oldest_waiting;
  std::string cancel_job;
  std::string delete_finished_job;
  std::string delete_job_events;
  std::string delete_job_steps;
  std::string select_finished_before;

  // ---- events and steps ----
  std::string insert_event;
  // MySQL: [n - 1] inserts n events after a fenced UPDATE in one statement,
  // (job_id, back, ts, event, details) per event, numbered event_seq - back.
  // Empty on SQLite, where insert_event follows the fence too (a fence that
  // matched nothing rolls back; statements are prepared once: one per event).
  static constexpr size_t kFencedEventRows = 8;
  std::vector<std::string> insert_fenced_event_rows;
  std::string select_events_after;
  std::string select_steps;
  std::string select_step_outputs;
  std::string select_completed_step;
  std::string upsert_step;  // only after a fenced UPDATE
  // False where a failed fence rolls the transaction back (SQLite); true where
  // the statements after a fence refuse to write unless it held (MySQL), so
  // the batch can carry its COMMIT.
  bool guarded_after_fence = false;

  // ---- scheduler ----
  std::string lock_claims;  // empty where the transaction itself serializes claims (SQLite)
  std::string count_running;
  std::string select_claimable;
  std::string select_claimable_and_running;  // the count in column kJobColumns
  std::string select_waiting_in_order;
  std::string start_job;
  std::string select_pending_ids;
  std::string mark_queued;
  std::string select_expired_leases;
  std::string expire_worker_leases;
  std::string requeue_expired;
  std::string fail_expired;
  std::string select_timed_out;
  std::string fail_timed_out;

  // ---- worker writes, fenced by (id, worker_id, attempt, status = running) ----
  std::string heartbeat;
  std::string select_status;
  std::string select_version;
  std::string check_lease;
  std::string add_events;
  std::string update_progress;
  std::string complete_job;
  std::string fail_job;
};

const Statements& statements(sql::Backend backend);

}  // namespace agentry::jobs
