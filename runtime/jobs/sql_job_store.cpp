#include "runtime/jobs/sql_job_store.h"

#include <algorithm>
#include <charconv>

#include "runtime/jobs/job_rows.h"
#include "runtime/jobs/migrations.h"
#include "runtime/jobs/sql/sqlite_connection.h"
#include "runtime/jobs/sql/wal_checkpointer.h"

namespace agentry::jobs {
namespace {

constexpr int64_t kWholeLog = 1'000'000;
// Waiting jobs one QueueRanks snapshot holds (about 100 bytes each).
constexpr size_t kQueueRanksCapacity = 10'000;

void require_length(const std::string& what, const std::string& value, size_t min, size_t max) {
  if (value.size() < min || value.size() > max)
    throw std::invalid_argument(what + " must be " + std::to_string(min) + ".." + std::to_string(max) +
                                " bytes long, got " + std::to_string(value.size()));
}

sql::ConnectionPool::Factory connection_factory(const sql::DatabaseUrl& url, const StoreOptions& options) {
  if (url.backend == sql::Backend::sqlite)
    return [path = url.sqlite_path, busy = options.sqlite_busy_timeout] {
      auto c = sql::open_sqlite(path, busy);
      c->query("PRAGMA wal_autocheckpoint=0");  // the store's WalCheckpointer does it off the commit path
      return c;
    };
  return [address = url.mysql, timeout = options.connect_timeout] { return sql::open_mysql(address, timeout); };
}

// "<created_at ms>.<id>" of a page's last job.
std::string make_cursor(const Job& job) {
  return std::to_string(job.created_at.time_since_epoch().count()) + "." + job.id;
}

std::pair<int64_t, std::string> parse_cursor(const std::string& cursor) {
  const auto dot = cursor.find('.');
  int64_t created = 0;
  const char* end = cursor.data() + (dot == std::string::npos ? cursor.size() : dot);
  if (dot == std::string::npos || dot + 1 == cursor.size() || std::from_chars(cursor.data(), end, created).ptr != end)
    throw std::invalid_argument("cursor '" + cursor + "' is not a next_cursor this server returned");
  return {created, cursor.substr(dot + 1)};
}

}  // namespace

std::unique_ptr<JobStore> JobStore::open(const StoreOptions& options) {
  return std::make_unique<SqlJobStore>(sql::parse_database_url(options.url), options);
}

SqlJobStore::SqlJobStore(sql::DatabaseUrl url, const StoreOptions& options)
    : url_(std::move(url)),
      sql_(statements(url_.backend)),
      pool_(connection_factory(url_, options), options.pool_size, options.acquire_timeout),
      ranks_(options.queue_ranks_max_age, kQueueRanksCapacity) {
  {
    auto c = pool_.acquire();
    migrate(*c);
  }
  if (url_.backend == sql::Backend::sqlite) {
    // From the pool's factory: automatic checkpoints off, as on every store
    // connection (this one commits every write).
    writer_ = connection_factory(url_, options)();
    checkpointer_ = std::make_unique<sql::WalCheckpointer>(
        sql::open_sqlite(url_.sqlite_path, options.sqlite_busy_timeout), options.sqlite_checkpoint_interval);
  }
}

std::string SqlJobStore::backend() const { return url_.backend == sql::Backend::sqlite ? "sqlite" : "mysql"; }

void SqlJobStore::ping() {
  read([](sql::Connection& c) { c.query("SELECT 1"); });
}

CreateResult SqlJobStore::create(const NewJob& in) {
  require_length("pipeline", in.pipeline, 1, 128);
  require_length("owner", in.owner, 0, 128);
  require_length("idempotency_key", in.idempotency_key, 0, 255);
  Job job;
  job.id = new_job_id();
  job.pipeline = in.pipeline;
  job.priority = in.priority;
  job.input = in.input;
  job.owner = in.owner;
  job.idempotency_key = in.idempotency_key;
  job.created_at = now_ms();
  const Event created{1, job.created_at, "created", "pipeline " + in.pipeline};
  const std::optional<std::string> key =
      in.idempotency_key.empty() ? std::nullopt : std::optional<std::string>(in.idempotency_key);
  try {
    transact([&](sql::Connection& c) {
      c.execute(sql_.insert_job, {job.id, job.pipeline, int64_t{job.priority}, json_text(job.input),
                                  json_text(job.progress), job.owner, sql::nullable(key), sql::ms(job.created_at)});
      insert_events(c, job.id, {created});
    });
    ranks_.changed();
  } catch (const sql::SqlError& e) {
    if (e.failure() != sql::Failure::duplicate_key || !key) throw;
    auto existing = read([&](sql::Connection& c) {
      const auto rows = c.query(sql_.select_job_by_idempotency_key, {job.owner, *key});
      return rows.empty() ? std::optional<Job>() : std::optional<Job>(job_from(c, rows.front()));
    });
    // The first request may have been deleted since; the key is free again.
    if (!existing) return create(in);
    return {std::move(*existing), false};
  }
  job.execution_log.push_back(created);
  return {std::move(job), true};
}

std::optional<Job> SqlJobStore::get(const std::string& id, JobParts parts) {
  const uint64_t ranks_version = ranks_.version();
  return read(
      [&](sql::Connection& c) {
        // Steps first: a result made of them is put together from these.
        std::vector<StepRecord> steps;
        if (parts.steps)
          for (const auto& row : c.query(sql_.select_steps, {id})) steps.push_back(step_from_row(row));
        auto job = load_job(c, id, parts.input, parts.steps ? &steps : nullptr);
        if (!job) return job;
        job->queue_position = queue_position(c, *job, ranks_version);
        for (const auto& row : c.query(sql_.select_events_after, {id, int64_t{0}, kWholeLog}))
          job->execution_log.push_back(event_from_row(row));
        job->steps = std::move(steps);
        return job;
      },
      Reads::snapshot);
}

std::optional<JobVersion> SqlJobStore::version_of(const std::string& id) {
  const uint64_t ranks_version = ranks_.version();
  return read([&](sql::Connection& c) -> std::optional<JobVersion> {
    const auto rows = c.query(sql_.select_version, {id});
    if (rows.empty()) return std::nullopt;
    const auto& row = rows.front();
    const auto status = parse_status(row.text(0));
    if (!status) throw StoreError("job " + id + " has unknown status '" + row.text(0) + "'");
    JobVersion v{*status, row.integer(1), std::nullopt};
    if (v.status == JobStatus::pending || v.status == JobStatus::queued)
      v.queue_position = queue_position(c, id, static_cast<int>(row.integer(2)), row.time(3), ranks_version);
    return v;
  });
}

std::optional<Job> SqlJobStore::get_state(const std::string& id) {
  const uint64_t ranks_version = ranks_.version();
  return read(
      [&](sql::Connection& c) {
        auto job = load_job(c, id, false);
        if (job) job->queue_position = queue_position(c, *job, ranks_version);
        return job;
      },
      Reads::snapshot);
}

JobPage SqlJobStore::list(const ListQuery& q) {
  const int limit = std::clamp(q.limit, 1, 500);
  std::string text = q.with_result ? sql_.list_jobs_prefix_with_result : sql_.list_jobs_prefix;
  sql::Params params;
  if (q.status) {
    text += sql_.list_filter_status;
    params.emplace_back(std::string(to_string(*q.status)));
  }
  if (!q.pipeline.empty()) {
    text += sql_.list_filter_pipeline;
    params.emplace_back(q.pipeline);
  }
  if (!q.owner.empty()) {
    text += sql_.list_filter_owner;
    params.emplace_back(q.owner);
  }
  if (!q.cursor.empty()) {
    auto [created, id] = parse_cursor(q.cursor);
    text += sql_.list_after_cursor;
    params.insert(params.end(), {created, created, std::move(id)});
  }
  text += sql_.list_order_limit;
  params.emplace_back(int64_t{limit} + 1);  // one more tells whether a next page exists
  const uint64_t ranks_version = ranks_.version();
  return read([&](sql::Connection& c) {
    JobPage page;
    for (const auto& row : c.query(text, params)) page.jobs.push_back(job_from(c, row));
    if (page.jobs.size() > static_cast<size_t>(limit)) {
      page.jobs.resize(static_cast<size_t>(limit));
      page.next_cursor = make_cursor(page.jobs.back());
    }
    for (auto& job : page.jobs) job.queue_position = queue_position(c, job, ranks_version);
    return page;
  });
}

std::vector<Event> SqlJobStore::events_after(const std::string& id, int64_t after_seq, int limit) {
  return read([&](sql::Connection& c) {
    std::vector<Event> events;
    for (const auto& row : c.query(sql_.select_events_after, {id, after_seq, int64_t{std::max(limit, 1)}}))
      events.push_back(event_from_row(row));
    return events;
  });
}

CancelResult SqlJobStore::cancel(const std::string& id, const std::string& message) {
  const auto result = transact([&](sql::Connection& c) {
    const TimePoint now = now_ms();
    const std::string text = clip(message);
    if (c.execute(sql_.cancel_job, {text, sql::ms(now), id}) == 1) {
      insert_event(c, id, "cancelled", text, now);
      return CancelResult::cancelled;
    }
    return c.query(sql_.select_status, {id}).empty() ? CancelResult::not_found : CancelResult::already_finished;
  });
  if (result == CancelResult::cancelled) ranks_.changed();
  return result;
}

DeleteResult SqlJobStore::remove(const std::string& id) {
  return transact([&](sql::Connection& c) {
    if (c.execute(sql_.delete_finished_job, {id}) == 1) {
      c.execute(sql_.delete_job_events, {id});
      c.execute(sql_.delete_job_steps, {id});
      return DeleteResult::deleted;
    }
    return c.query(sql_.select_status, {id}).empty() ? DeleteResult::not_found : DeleteResult::not_finished;
  });
}

std::map<JobStatus, int64_t> SqlJobStore::count_by_status() {
  return read([&](sql::Connection& c) {
    std::map<JobStatus, int64_t> counts;
    for (auto s : {JobStatus::pending, JobStatus::queued, JobStatus::running, JobStatus::completed, JobStatus::failed,
                   JobStatus::cancelled})
      counts[s] = 0;
    for (const auto& row : c.query(sql_.count_by_status))
      if (const auto s = parse_status(row.text(0))) counts[*s] = row.integer(1);
    return counts;
  });
}

std::optional<TimePoint> SqlJobStore::oldest_waiting_created_at() {
  return read([&](sql::Connection& c) -> std::optional<TimePoint> {
    const auto rows = c.query(sql_.oldest_waiting);
    if (rows.empty() || rows[0].is_null(0)) return std::nullopt;
    return rows[0].time(0);
  });
}

void SqlJobStore::insert_events(sql::Connection& c, const std::string& job_id, const std::vector<Event>& events) {
  if (!events.empty()) c.execute_batch(event_inserts(job_id, events));
}

std::vector<sql::Statement> SqlJobStore::event_inserts(const std::string& job_id, const std::vector<Event>& events,
                                                       EventsAfter after) const {
  const TimePoint now = now_ms();
  // (back, ts, event, details) of events[i], numbered event_seq - back.
  const auto add_values = [&](sql::Params& params, size_t i) {
    const Event& e = events[i];
    params.insert(params.end(),
                  {static_cast<int64_t>(events.size() - 1 - i), sql::ms(e.timestamp == TimePoint{} ? now : e.timestamp),
                   clip(e.event, 64), clip(e.details)});
  };
  std::vector<sql::Statement> inserts;
  const auto& rows = sql_.insert_fenced_event_rows;
  if (after == EventsAfter::fence && !rows.empty()) {
    for (size_t first = 0; first < events.size(); first += rows.size()) {
      const size_t n = std::min(rows.size(), events.size() - first);
      sql::Params params;
      params.reserve(5 * n);
      for (size_t i = first; i < first + n; ++i) {
        params.emplace_back(job_id);
        add_values(params, i);
      }
      inserts.push_back({rows[n - 1], std::move(params)});
    }
    return inserts;
  }
  inserts.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    sql::Params params;
    add_values(params, i);
    params.emplace_back(job_id);
    inserts.push_back({sql_.insert_event, std::move(params)});
  }
  return inserts;
}

void SqlJobStore::insert_event(sql::Connection& c, const std::string& job_id, const std::string& event,
                               const std::string& details, TimePoint at) {
  insert_events(c, job_id, {Event{0, at, event, details}});
}

void SqlJobStore::fenced(sql::Connection& c, const std::string& statement, sql::Params params, const Lease& lease,
                         std::vector<sql::Statement> after, Commit commit) {
  params.insert(params.end(), {lease.job_id, lease.worker_id, int64_t{lease.attempt}});
  after.insert(after.begin(), sql::Statement{statement, std::move(params)});
  try {
    if (!sql_.guarded_after_fence || commit == Commit::by_caller) {
      // The transaction commits only when the fence held.
      if (c.execute_batch(after).front() == 1) return;
    } else {
      // What follows the fence refuses to write unless it held (statements.cpp),
      // so the batch can carry its COMMIT: one round trip.
      if (c.execute_batch_and_commit(after).front() == 1) return;
    }
  } catch (const sql::BatchError& e) {
    // What follows a fence that matched nothing fails for that very reason (on
    // MySQL by design, on SQLite when the job's new state has used the event
    // numbers): the lost lease is the news.
    if (e.matched().empty() || e.matched().front() == 1) throw;
  }
  const auto rows = c.query(sql_.select_status, {lease.job_id});
  throw LeaseLost("job " + lease.job_id + " is no longer held by worker " + lease.worker_id + " on attempt " +
                  std::to_string(lease.attempt) + " (" +
                  (rows.empty() ? std::string("deleted") : "now " + rows.front().text(0)) + ")");
}

std::optional<Job> SqlJobStore::load_job(sql::Connection& c, const std::string& id, bool with_input,
                                         const std::vector<StepRecord>* steps) {
  const auto rows = c.query(with_input ? sql_.select_job : sql_.select_job_without_input, {id});
  if (rows.empty()) return std::nullopt;
  return job_from(c, rows.front(), steps);
}

Job SqlJobStore::job_from(sql::Connection& c, const sql::Row& row, const std::vector<StepRecord>* steps) {
  Job job = job_from_row(row);
  if (row.is_null(kResultSteps)) return job;
  std::vector<StepRecord> outputs;
  if (!steps) {
    for (const auto& step : c.query(sql_.select_step_outputs, {job.id})) outputs.push_back(step_output_from_row(step));
    steps = &outputs;
  }
  job.result = result_from_steps(job.id, row.text(kResultSteps), *steps);
  return job;
}

std::optional<int64_t> SqlJobStore::queue_position(sql::Connection& c, const Job& job, uint64_t ranks_version) {
  if (job.status != JobStatus::pending && job.status != JobStatus::queued) return std::nullopt;
  return queue_position(c, job.id, job.priority, job.created_at, ranks_version);
}

int64_t SqlJobStore::queue_position(sql::Connection& c, const std::string& id, int priority, TimePoint created_at,
                                    uint64_t ranks_version) {
  if (auto rank = ranks_.find(id)) return *rank;
  if (ranks_.begin_refresh()) {
    try {
      std::vector<std::string> ids;
      for (const auto& row : c.query(sql_.select_waiting_in_order, {static_cast<int64_t>(ranks_.capacity())}))
        ids.push_back(row.text(0));
      ranks_.install(ranks_version, ids);
    } catch (...) {
      ranks_.abandon_refresh();
      throw;
    }
    if (auto rank = ranks_.find(id)) return *rank;
  }
  const auto created = sql::ms(created_at);
  const int64_t p = priority;
  const auto rows = c.query(sql_.count_ahead_in_queue, {p, p, created, p, created, id});
  return rows.front().integer(0) + 1;
}

}  // namespace agentry::jobs
