// Riding out a database outage: a worker's write is tried again while the
// database is unavailable, for as long as its policy allows, and only then
// given up; errors that are not an outage are not retried.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>

#include "jobs/store_fixture.h"
#include "runtime/jobs/outage.h"
#include "runtime/jobs/sql/mysql_connection.h"
#include "runtime/jobs/sql_job_store.h"

using namespace agentry::jobs;
using namespace agentry::test;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

// A real SQLite store whose checkpoints find the database away.
class UnreachableForCheckpoints final : public SqlJobStore {
 public:
  explicit UnreachableForCheckpoints(const std::string& url) : SqlJobStore(sql::parse_database_url(url), {}) {}
  void checkpoint(const Lease&, const StepRecord&, const Progress&, const JobTotals&,
                  const std::vector<Event>&) override {
    ++checkpoints;
    throw StoreUnavailable("cannot connect (test)");
  }
  std::atomic<int> checkpoints{0};
};

// A real SQLite store whose first checkpoint loses the answer to its COMMIT,
// after the COMMIT ran (`lands`) or before.
class LosesTheFirstCommitAnswer final : public SqlJobStore {
 public:
  LosesTheFirstCommitAnswer(const std::string& url, bool lands)
      : SqlJobStore(sql::parse_database_url(url), {}), lands_(lands) {}
  void checkpoint(const Lease& lease, const StepRecord& step, const Progress& progress, const JobTotals& totals,
                  const std::vector<Event>& events) override {
    const bool first = ++checkpoints == 1;
    if (!first || lands_) SqlJobStore::checkpoint(lease, step, progress, totals, events);
    if (first) throw CommitUnknown("connection lost during COMMIT (test)");
  }
  std::atomic<int> checkpoints{0};

 private:
  const bool lands_;
};

StepRecord step(const std::string& key) {
  StepRecord s;
  s.key = key;
  s.agent = key;
  s.output = {{"ok", true}};
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(outage)

BOOST_AUTO_TEST_CASE(a_write_succeeds_once_the_database_is_back) {
  int tries = 0;
  retry_through_outage({10s, {}}, "test write", [&] {
    if (++tries < 3) throw StoreUnavailable("server restarting");
  });
  BOOST_TEST(tries == 3);
}

BOOST_AUTO_TEST_CASE(a_write_gives_up_only_when_its_patience_has_run_out) {
  int tries = 0;
  const auto start = SteadyClock::now();
  BOOST_CHECK_THROW(retry_through_outage({300ms, {}}, "test write",
                                         [&] {
                                           ++tries;
                                           throw StoreUnavailable("server away");
                                         }),
                    StoreUnavailable);
  // Pauses of 50, 100, then the 150 ms left: four tries, none after 300 ms.
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count() >= 300);
  BOOST_TEST(tries >= 2);
  BOOST_TEST(tries <= 4);
}

BOOST_AUTO_TEST_CASE(pauses_double_up_to_two_seconds_and_a_stopped_job_stops_waiting) {
  std::vector<int64_t> pauses;
  int tries = 0;
  const OutagePolicy policy{1h, [&](std::chrono::milliseconds pause) {
                              pauses.push_back(pause.count());
                              return pauses.size() < 8;  // then the job is stopped
                            }};
  BOOST_CHECK_THROW(retry_through_outage(policy, "test write",
                                         [&] {
                                           ++tries;
                                           throw StoreUnavailable("server away");
                                         }),
                    StoreUnavailable);
  const std::vector<int64_t> expected{50, 100, 200, 400, 800, 1600, 2000, 2000};
  BOOST_TEST(pauses == expected, boost::test_tools::per_element());
  BOOST_TEST(tries == 8);
}

BOOST_AUTO_TEST_CASE(errors_that_are_not_an_outage_are_not_retried) {
  int tries = 0;
  BOOST_CHECK_THROW(retry_through_outage({10s, {}}, "test write",
                                         [&] {
                                           ++tries;
                                           throw StoreError("value too long");
                                         }),
                    StoreError);
  BOOST_CHECK_THROW(retry_through_outage({10s, {}}, "test write",
                                         [&] {
                                           ++tries;
                                           throw LeaseLost("job taken over");
                                         }),
                    LeaseLost);
  BOOST_TEST(tries == 2);
}

BOOST_AUTO_TEST_CASE(a_journal_write_that_outlasts_its_patience_stops_the_job_as_a_lost_lease) {
  UnreachableForCheckpoints store(fresh_sqlite_url());
  JobStore& jobs = store;
  jobs.create(new_job());
  const auto claimed = jobs.claim(claim_request("w1"));
  BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
  auto journal = make_store_journal(store, claimed[0].lease, {200ms, {}});
  BOOST_CHECK_THROW(journal->checkpoint(step("E1"), {}, {}, {}), LeaseLost);
  BOOST_TEST(store.checkpoints.load() >= 2);
  // Nothing else changed: the job is still this worker's, running.
  BOOST_TEST(to_string(jobs.get(claimed[0].job.id)->status) == "running");
}

BOOST_AUTO_TEST_CASE(a_checkpoint_whose_lost_commit_landed_is_not_written_twice) {
  for (const bool lands : {true, false}) {
    BOOST_TEST_CONTEXT("the lost COMMIT " << (lands ? "landed" : "did not land")) {
      LosesTheFirstCommitAnswer store(fresh_sqlite_url(), lands);
      JobStore& jobs = store;
      jobs.create(new_job());
      const auto claimed = jobs.claim(claim_request("w1"));
      BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
      auto journal = make_store_journal(store, claimed[0].lease, {10s, {}});
      journal->checkpoint(step("E1"), {}, {}, {Event{0, now_ms(), "agent_completed", R"({"agent":"E1"})"}});
      BOOST_TEST(store.checkpoints.load() == (lands ? 1 : 2));
      const auto job = jobs.get(claimed[0].job.id);
      BOOST_REQUIRE(job);
      const auto names = event_names(*job);
      BOOST_TEST(std::count(names.begin(), names.end(), "agent_completed") == 1);
      BOOST_TEST(jobs.find_step(claimed[0].lease, "E1").has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_mysql_server_that_is_away_is_an_outage_and_wrong_credentials_are_not) {
  auto address = sql::parse_database_url(fresh_mysql_url()).mysql;
  auto away = address;
  away.port = 1;  // nothing listens on tcpmux
  BOOST_CHECK_THROW(sql::open_mysql(away, 2s), StoreUnavailable);
  auto wrong = address;
  wrong.password = "wrong-password";
  BOOST_CHECK_EXCEPTION(sql::open_mysql(wrong, 2s), StoreError,
                        [](const StoreError& e) { return dynamic_cast<const StoreUnavailable*>(&e) == nullptr; });
}

BOOST_AUTO_TEST_SUITE_END()
