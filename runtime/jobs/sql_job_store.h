// The JobStore over SQL, for SQLite and MySQL alike: the backends differ only
// in their Connection and a few statements (statements.cpp). Its methods live
// in three files by caller: sql_job_store.cpp (opening, the API side),
// sql_job_store_scheduler.cpp (claims, watchdog, TTL) and
// sql_job_store_worker.cpp (fenced writes).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "runtime/jobs/queue_ranks.h"
#include "runtime/jobs/sql/connection_pool.h"
#include "runtime/jobs/sql/database_url.h"
#include "runtime/jobs/sql/wal_checkpointer.h"
#include "runtime/jobs/statements.h"
#include "runtime/jobs/store.h"
#include "runtime/metrics/cpu_by_part.h"

namespace agentry::jobs {

class SqlJobStore : public JobStore {
 public:
  SqlJobStore(sql::DatabaseUrl url, const StoreOptions& options);

  std::string backend() const override;
  void ping() override;

  CreateResult create(const NewJob& job) override;
  std::optional<Job> get(const std::string& id, JobParts parts) override;
  std::optional<JobVersion> version_of(const std::string& id) override;
  std::optional<Job> get_state(const std::string& id) override;
  JobPage list(const ListQuery& query) override;
  std::vector<Event> events_after(const std::string& id, int64_t after_seq, int limit) override;
  CancelResult cancel(const std::string& id, const std::string& message) override;
  DeleteResult remove(const std::string& id) override;
  std::map<JobStatus, int64_t> count_by_status() override;
  std::optional<TimePoint> oldest_waiting_created_at() override;

  std::vector<ClaimedJob> claim(const ClaimRequest& request) override;
  LeaseStatus heartbeat(const Lease& lease, std::chrono::milliseconds lease_length, TimePoint now) override;
  WatchdogReport rescue_expired_leases(TimePoint now, int max_attempts) override;
  int expire_leases_of(const std::string& worker_id, TimePoint now) override;
  WatchdogReport fail_timed_out(TimePoint now, std::chrono::milliseconds timeout) override;
  int delete_finished_before(TimePoint cutoff, int batch) override;

  std::optional<StepRecord> find_step(const Lease& lease, const std::string& key) override;
  void checkpoint(const Lease& lease, const StepRecord& step, const Progress& progress, const JobTotals& totals,
                  const std::vector<Event>& events) override;
  void progress(const Lease& lease, const Progress& progress, const JobTotals& totals,
                const std::vector<Event>& events) override;
  void log(const Lease& lease, const std::vector<Event>& events) override;
  using JobStore::complete;
  void complete(const Lease& lease, const JobResult& result, const Progress& progress, const JobTotals& totals,
                const std::string& summary, const StepCheckpoint* last_step) override;
  std::vector<ClaimedJob> complete_and_claim(const Lease& lease, const JobResult& result, const Progress& progress,
                                             const JobTotals& totals, const std::string& summary,
                                             const StepCheckpoint* last_step, const ClaimRequest& next) override;
  void fail(const Lease& lease, const JobError& error, const Progress& progress, const JobTotals& totals) override;

 private:
  // Runs work(connection) in one transaction, and again (3 tries in all) when
  // the database rolled it back for a deadlock or busy lock, or the pooled
  // connection had gone stale. A lost connection during COMMIT is not retried:
  // the write may have landed.
  template <class Work>
  auto transact(Work&& work) -> std::invoke_result_t<Work&, sql::Connection&>;
  // Like transact, without a write transaction: each statement commits on
  // its own (what the heartbeat's UPDATE relies on), unless `snapshot` asks
  // for one read snapshot over all of them (GET's several SELECTs).
  enum class Reads { autocommit, snapshot };
  template <class Work>
  auto read(Work&& work, Reads reads = Reads::autocommit) -> std::invoke_result_t<Work&, sql::Connection&>;

  // Inserts events numbered up to the job's event_seq, which an UPDATE earlier
  // in this transaction raised by events.size().
  void insert_events(sql::Connection& c, const std::string& job_id, const std::vector<Event>& events);
  // Events after a fenced UPDATE (`fence`) are written only when it held.
  enum class EventsAfter { update, fence };
  std::vector<sql::Statement> event_inserts(const std::string& job_id, const std::vector<Event>& events,
                                            EventsAfter after = EventsAfter::update) const;
  void insert_event(sql::Connection& c, const std::string& job_id, const std::string& event, const std::string& details,
                    TimePoint at);
  // The fenced insert-or-replace of a step's checkpoint row.
  sql::Statement step_upsert(const Lease& lease, const StepRecord& step) const;
  // Runs a fenced UPDATE, then `after` (fenced statements) in the same batch,
  // and on MySQL the COMMIT with them (`with_batch`): one round trip. Throws
  // LeaseLost when the UPDATE matched no row; nothing of `after` is then kept.
  enum class Commit { with_batch, by_caller };
  void fenced(sql::Connection& c, const std::string& statement, sql::Params params, const Lease& lease,
              std::vector<sql::Statement> after = {}, Commit commit = Commit::with_batch);
  void complete_in(sql::Connection& c, const Lease& lease, const JobResult& result, const Progress& progress,
                   const JobTotals& totals, const std::string& summary, const StepCheckpoint* last_step, TimePoint now,
                   Commit commit);
  // `fill`: claim(), under the claim lock. `hand_over`: one job for the slot a
  // completion earlier in the transaction freed.
  enum class ClaimKind { fill, hand_over };
  std::vector<ClaimedJob> claim_in(sql::Connection& c, const ClaimRequest& request, ClaimKind kind);
  // `steps`: the job's steps when the caller read them already; a result made
  // of steps is put together from them instead of reading their outputs.
  std::optional<Job> load_job(sql::Connection& c, const std::string& id, bool with_input = true,
                              const std::vector<StepRecord>* steps = nullptr);
  // job_from_row, with a result made of steps put together from them.
  Job job_from(sql::Connection& c, const sql::Row& row, const std::vector<StepRecord>* steps = nullptr);
  // `ranks_version`: ranks_.version() as read before the caller's read began.
  std::optional<int64_t> queue_position(sql::Connection& c, const Job& job, uint64_t ranks_version);
  int64_t queue_position(sql::Connection& c, const std::string& id, int priority, TimePoint created_at,
                         uint64_t ranks_version);

  sql::DatabaseUrl url_;
  const Statements& sql_;
  sql::ConnectionPool pool_;
  // SQLite: the one connection transactions write through, taken in turn
  // under writer_mutex_. SQLite drops a connection's page cache whenever
  // another connection has written since its last transaction; with writes
  // spread over the pool, every write re-read the pages it touched (b-tree
  // roots, the job's leaf, index pages) under the write lock: 79,000 preads
  // in a latency-bound run of 500 jobs, 27,000 (the WAL checkpointer's) now.
  std::mutex writer_mutex_;
  std::unique_ptr<sql::Connection> writer_;
  QueueRanks ranks_;
  std::unique_ptr<sql::WalCheckpointer> checkpointer_;  // SQLite only
};

template <class Work>
auto SqlJobStore::transact(Work&& work) -> std::invoke_result_t<Work&, sql::Connection&> {
  metrics::CpuScope cpu(metrics::CpuPart::store);
  for (int attempt = 1;; ++attempt) {
    std::unique_lock<std::mutex> writing;
    std::optional<sql::ConnectionPool::Borrowed> borrowed;
    if (writer_)
      writing = std::unique_lock(writer_mutex_);
    else
      borrowed.emplace(pool_.acquire());
    sql::Connection* c = writer_ ? writer_.get() : &**borrowed;
    bool committing = false;
    try {
      c->begin();
      if constexpr (std::is_void_v<std::invoke_result_t<Work&, sql::Connection&>>) {
        work(*c);
        committing = true;
        c->commit();
        return;
      } else {
        auto result = work(*c);
        committing = true;
        c->commit();
        return result;
      }
    } catch (const sql::SqlError& e) {
      c->rollback();
      const bool again =
          e.failure() == sql::Failure::retry || (e.failure() == sql::Failure::connection_lost && !committing);
      if (again && attempt < 3) continue;
      if (e.failure() == sql::Failure::commit_unknown || (e.failure() == sql::Failure::connection_lost && committing))
        throw CommitUnknown(e.what());
      if (e.failure() == sql::Failure::retry || e.failure() == sql::Failure::connection_lost)
        throw StoreUnavailable(e.what());
      throw;
    } catch (...) {
      c->rollback();
      throw;
    }
  }
}

template <class Work>
auto SqlJobStore::read(Work&& work, Reads reads) -> std::invoke_result_t<Work&, sql::Connection&> {
  metrics::CpuScope cpu(metrics::CpuPart::store);
  for (int attempt = 1;; ++attempt) {
    auto c = pool_.acquire();
    try {
      struct Snapshot {
        sql::Connection* c;  // null: autocommit
        explicit Snapshot(sql::Connection* c) : c(c) {
          if (c) c->begin_read();
        }
        ~Snapshot() {
          if (c) c->end_read();
        }
      } snapshot(reads == Reads::snapshot ? &*c : nullptr);
      return work(*c);
    } catch (const sql::SqlError& e) {
      const bool again = e.failure() == sql::Failure::retry || e.failure() == sql::Failure::connection_lost;
      if (!again) throw;
      if (attempt == 3) throw StoreUnavailable(e.what());
    }
  }
}

}  // namespace agentry::jobs
