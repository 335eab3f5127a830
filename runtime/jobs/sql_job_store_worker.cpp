// A worker's writes. Each runs its fenced UPDATE of the job row first, and
// the rest of the write in the same batch: the UPDATE checks the lease and
// locks the row. When it matched nothing, nothing is written: SQLite rolls
// the transaction back; on MySQL the statements after it check its verdict
// and fail, so the batch can carry its COMMIT in the same round trip.
#include "runtime/jobs/job_rows.h"
#include "runtime/jobs/sql_job_store.h"

namespace agentry::jobs {
namespace {

sql::Params totals_params(const Progress& progress, const JobTotals& totals) {
  return {json_text(progress), totals.usage.llm_calls, totals.usage.prompt_tokens, totals.usage.completion_tokens,
          int64_t{totals.retry_count}};
}

void check_step_key(const StepRecord& step) {
  if (step.key.empty() || step.key.size() > 255)
    throw std::invalid_argument("step key must be 1..255 bytes long, got " + std::to_string(step.key.size()));
}

}  // namespace

std::optional<StepRecord> SqlJobStore::find_step(const Lease& lease, const std::string& key) {
  return read([&](sql::Connection& c) {
    if (c.query(sql_.check_lease, {lease.job_id, lease.worker_id, int64_t{lease.attempt}}).empty())
      throw LeaseLost("job " + lease.job_id + " is no longer held by worker " + lease.worker_id + " on attempt " +
                      std::to_string(lease.attempt));
    const auto rows = c.query(sql_.select_completed_step, {lease.job_id, key});
    return rows.empty() ? std::optional<StepRecord>() : std::optional<StepRecord>(step_from_row(rows.front()));
  });
}

sql::Statement SqlJobStore::step_upsert(const Lease& lease, const StepRecord& step) const {
  const bool has_output = !step.output_text.empty() || !step.output.is_null();
  const std::string output = step.output_text.empty() && has_output ? json_text(step.output) : step.output_text;
  return {sql_.upsert_step,
          {lease.job_id, step.key, clip(step.agent, 128), clip(step.status, 16),
           has_output ? sql::Value(output) : sql::Value(nullptr), step.raw_reply, clip(step.error),
           step.usage.llm_calls, step.usage.prompt_tokens, step.usage.completion_tokens, int64_t{step.attempts},
           int64_t{step.retries}, sql::ms(step.started_at), sql::ms(step.finished_at), int64_t{lease.attempt}}};
}

void SqlJobStore::checkpoint(const Lease& lease, const StepRecord& step, const Progress& progress,
                             const JobTotals& totals, const std::vector<Event>& events) {
  check_step_key(step);
  transact([&](sql::Connection& c) {
    auto params = totals_params(progress, totals);
    params.emplace_back(static_cast<int64_t>(events.size()));
    auto after = event_inserts(lease.job_id, events, EventsAfter::fence);
    after.insert(after.begin(), step_upsert(lease, step));
    fenced(c, sql_.update_progress, std::move(params), lease, std::move(after));
  });
}

void SqlJobStore::progress(const Lease& lease, const Progress& progress, const JobTotals& totals,
                           const std::vector<Event>& events) {
  transact([&](sql::Connection& c) {
    auto params = totals_params(progress, totals);
    params.emplace_back(static_cast<int64_t>(events.size()));
    fenced(c, sql_.update_progress, std::move(params), lease, event_inserts(lease.job_id, events, EventsAfter::fence));
  });
}

void SqlJobStore::log(const Lease& lease, const std::vector<Event>& events) {
  if (events.empty()) return;
  transact([&](sql::Connection& c) {
    fenced(c, sql_.add_events, {static_cast<int64_t>(events.size())}, lease,
           event_inserts(lease.job_id, events, EventsAfter::fence));
  });
}

void SqlJobStore::complete(const Lease& lease, const JobResult& result, const Progress& progress,
                           const JobTotals& totals, const std::string& summary, const StepCheckpoint* last_step) {
  if (last_step) check_step_key(last_step->step);
  transact([&](sql::Connection& c) {
    complete_in(c, lease, result, progress, totals, summary, last_step, now_ms(), Commit::with_batch);
  });
}

std::vector<ClaimedJob> SqlJobStore::complete_and_claim(const Lease& lease, const JobResult& result,
                                                        const Progress& progress, const JobTotals& totals,
                                                        const std::string& summary, const StepCheckpoint* last_step,
                                                        const ClaimRequest& next) {
  if (next.max_jobs < 1 || next.max_running < 1) {
    complete(lease, result, progress, totals, summary, last_step);
    return {};
  }
  if (last_step) check_step_key(last_step->step);
  auto claimed = transact([&](sql::Connection& c) {
    // The next job starts at the instant this one completed.
    ClaimRequest request = next;
    request.now = now_ms();
    complete_in(c, lease, result, progress, totals, summary, last_step, *request.now, Commit::by_caller);
    return claim_in(c, request, ClaimKind::hand_over);
  });
  if (!claimed.empty()) ranks_.changed();
  return claimed;
}

void SqlJobStore::complete_in(sql::Connection& c, const Lease& lease, const JobResult& result, const Progress& progress,
                              const JobTotals& totals, const std::string& summary, const StepCheckpoint* last_step,
                              TimePoint now, Commit commit) {
  std::vector<Event> events = last_step ? last_step->events : std::vector<Event>{};
  events.push_back(Event{0, now, "completed", summary});
  auto params = totals_params(progress, totals);
  params.insert(params.begin(), {result.from_steps().empty() ? sql::Value(result.json()) : sql::Value(nullptr),
                                 result.from_steps().empty() ? sql::Value(nullptr) : sql::Value(result.from_steps())});
  params.insert(params.end(), {sql::ms(now), static_cast<int64_t>(events.size())});
  auto after = event_inserts(lease.job_id, events, EventsAfter::fence);
  if (last_step) after.insert(after.begin(), step_upsert(lease, last_step->step));
  fenced(c, sql_.complete_job, std::move(params), lease, std::move(after), commit);
}

void SqlJobStore::fail(const Lease& lease, const JobError& error, const Progress& progress, const JobTotals& totals) {
  const std::string message = clip(error.message);
  transact([&](sql::Connection& c) {
    const TimePoint now = now_ms();
    auto params = totals_params(progress, totals);
    params.insert(params.begin(), {clip(error.reason, 64), message});
    params.insert(params.end(), {sql::ms(now), int64_t{1}});
    fenced(c, sql_.fail_job, std::move(params), lease,
           event_inserts(lease.job_id, {Event{0, now, "failed", error.reason + ": " + message}}, EventsAfter::fence));
  });
}

}  // namespace agentry::jobs
