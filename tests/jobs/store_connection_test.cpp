// Opening the store, its URLs and schema, and surviving a database that drops
// or restarts under it.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "jobs/store_fixture.h"

using namespace agentry::jobs;
using namespace agentry::test;

namespace {

bool mentions(const std::exception& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

std::set<std::string> connection_ids(sql::Connection& c) {
  std::set<std::string> ids;
  for (const auto& row : c.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = SUBSTRING_INDEX("
                                 "CURRENT_USER(), '@', 1) AND ID <> CONNECTION_ID()",
                                 {}))
    ids.insert(row.text(0));
  return ids;
}

// A connection to `url` with an empty table batch_test (k, v).
std::unique_ptr<sql::Connection> with_batch_table(const std::string& url) {
  auto c = raw_connection(url);
  c->execute("DROP TABLE IF EXISTS batch_test", {});
  c->execute("CREATE TABLE batch_test (k INTEGER NOT NULL PRIMARY KEY, v VARCHAR(16) NOT NULL)", {});
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_connection)

BOOST_AUTO_TEST_CASE(database_urls_name_sqlite_files_or_mysql_servers) {
  auto u = sql::parse_database_url("agentry.db");
  BOOST_TEST((u.backend == sql::Backend::sqlite));
  BOOST_TEST(u.sqlite_path == "agentry.db");
  BOOST_TEST(sql::parse_database_url("sqlite:///var/lib/agentry/jobs.db").sqlite_path == "/var/lib/agentry/jobs.db");
  BOOST_TEST(sql::parse_database_url("sqlite:data/jobs.db").sqlite_path == "data/jobs.db");

  u = sql::parse_database_url("mysql://agentry:p%40ss%3Aword@db.internal:3307/agentry_prod");
  BOOST_TEST((u.backend == sql::Backend::mysql));
  BOOST_TEST(u.mysql.user == "agentry");
  BOOST_TEST(u.mysql.password == "p@ss:word");
  BOOST_TEST(u.mysql.host == "db.internal");
  BOOST_TEST(u.mysql.port == 3307u);
  BOOST_TEST(u.mysql.database == "agentry_prod");
  BOOST_TEST(u.redacted.find("p@ss") == std::string::npos);

  u = sql::parse_database_url("mariadb://root@localhost/agentry?socket=/run/mysqld/mysqld.sock");
  BOOST_TEST(u.mysql.socket == "/run/mysqld/mysqld.sock");
  BOOST_TEST(u.mysql.port == 3306u);

  BOOST_CHECK_EXCEPTION(sql::parse_database_url("postgres://x@y/z"), StoreError,
                        [](const StoreError& e) { return mentions(e, "mysql://user:password@host"); });
  BOOST_CHECK_EXCEPTION(sql::parse_database_url("mysql://db.internal/agentry"), StoreError,
                        [](const StoreError& e) { return mentions(e, "no user"); });
  BOOST_CHECK_EXCEPTION(sql::parse_database_url("mysql://u@h/d?sslmode=on"), StoreError,
                        [](const StoreError& e) { return mentions(e, "sslmode"); });
}

BOOST_AUTO_TEST_CASE(an_unopenable_sqlite_file_says_what_to_check) {
  BOOST_CHECK_EXCEPTION(open_store("/nonexistent-dir/agentry.db"), StoreError, [](const StoreError& e) {
    return mentions(e, "/nonexistent-dir/agentry.db") && mentions(e, "writable");
  });
}

BOOST_AUTO_TEST_CASE(sqlite_writers_in_one_process_wait_their_turn_instead_of_failing_busy) {
  // With no busy timeout at all, a second BEGIN IMMEDIATE on the same file
  // would fail at once with SQLITE_BUSY; in one process it waits for the
  // first writer's commit or rollback instead.
  using namespace std::chrono_literals;
  const auto path = sql::parse_database_url(fresh_sqlite_url()).sqlite_path;
  auto first = sql::open_sqlite(path, 0ms);
  auto second = sql::open_sqlite(path, 0ms);
  first->execute("CREATE TABLE t (v INTEGER)", {});
  for (const bool commit : {true, false}) {
    first->begin();
    first->execute("INSERT INTO t (v) VALUES (1)", {});
    std::atomic<bool> began{false};
    auto waiting = std::async(std::launch::async, [&] {
      second->begin();
      began = true;
      second->execute("INSERT INTO t (v) VALUES (2)", {});
      second->commit();
    });
    BOOST_TEST((waiting.wait_for(100ms) == std::future_status::timeout), "the second writer waits");
    BOOST_TEST(!began.load());
    if (commit)
      first->commit();
    else
      first->rollback();
    BOOST_REQUIRE((waiting.wait_for(5s) == std::future_status::ready));
    BOOST_CHECK_NO_THROW(waiting.get());
  }
  BOOST_TEST(first->query("SELECT COUNT(*) FROM t", {}).front().text(0) == "3");
}

BOOST_AUTO_TEST_CASE(a_wrong_mysql_password_says_where_and_what_to_check) {
  auto address = sql::parse_database_url(fresh_mysql_url()).mysql;
  const std::string url = "mysql://" + address.user + ":wrong-password@" + address.host + ":" +
                          std::to_string(address.port) + "/" + address.database;
  BOOST_CHECK_EXCEPTION(open_store(url), StoreError, [&](const StoreError& e) {
    return mentions(e, "cannot connect to MySQL at " + address.host) && mentions(e, "AGENTRY_DB");
  });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_schema_from_a_newer_agentry_is_refused, B, Backends) {
  const auto url = B::fresh_url();
  open_store(url);
  auto raw = raw_connection(url);
  raw->execute("INSERT INTO agentry_schema_version (version, applied_at) VALUES (99, 0)", {});
  BOOST_CHECK_EXCEPTION(open_store(url), StoreError, [](const StoreError& e) {
    return mentions(e, "schema is version 99") && mentions(e, "upgrade agentry");
  });
  raw->execute("DELETE FROM agentry_schema_version WHERE version = 99", {});
  BOOST_CHECK_NO_THROW(open_store(url));
}

// Schema 2 moves SQLite's events into their key's b-tree; a database made by
// schema 1 keeps every event through it.
BOOST_AUTO_TEST_CASE(sqlite_events_move_to_their_key_order_keeping_every_event) {
  const auto url = Sqlite::fresh_url();
  auto store = open_store(url);
  const auto id = store->create(new_job()).job.id;
  store->cancel(id);
  const auto before = store->events_after(id, 0).size();
  store.reset();
  // Back to schema 1's table, as an older agentry left it.
  auto raw = raw_connection(url);
  raw->execute(
      "CREATE TABLE old_events (job_id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, "
      "event TEXT NOT NULL, details TEXT NOT NULL, PRIMARY KEY (job_id, seq))",
      {});
  raw->execute("INSERT INTO old_events SELECT * FROM agentry_job_events", {});
  raw->execute("DROP TABLE agentry_job_events", {});
  raw->execute("ALTER TABLE old_events RENAME TO agentry_job_events", {});
  raw->execute("ALTER TABLE agentry_jobs DROP COLUMN result_steps", {});
  raw->execute("DELETE FROM agentry_schema_version WHERE version >= 2", {});

  store = open_store(url);
  BOOST_TEST(before == 2u);  // created, cancelled
  const auto after = store->events_after(id, 0);
  BOOST_TEST(after.size() == before);
  BOOST_TEST(after.back().event == "cancelled");
  const auto table = raw->query("SELECT sql FROM sqlite_master WHERE name = 'agentry_job_events'", {});
  BOOST_TEST(table.front().text(0).find("WITHOUT ROWID") != std::string::npos);
  BOOST_TEST(raw->query("SELECT MAX(version) FROM agentry_schema_version", {}).front().integer(0) == 3);
}

// Schema 3 adds result_steps (a result made of steps). A job completed before
// keeps its result text; on MySQL, whose DDL commits at once, the migration
// runs again unharmed when its version was not recorded (a crash after it).
BOOST_AUTO_TEST_CASE_TEMPLATE(results_stored_before_result_steps_are_kept_through_its_migration, B, Backends) {
  const auto url = B::fresh_url();
  auto store = open_store(url);
  const auto id = store->create(new_job()).job.id;
  const auto claimed = store->claim(claim_request("w1"));
  BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
  store->complete(claimed[0].lease, nlohmann::json{{"plan", "ü"}}, {}, {});
  store.reset();
  auto raw = raw_connection(url);
  if (raw->backend() == sql::Backend::sqlite) raw->execute("ALTER TABLE agentry_jobs DROP COLUMN result_steps", {});
  raw->execute("DELETE FROM agentry_schema_version WHERE version = 3", {});

  store = open_store(url);
  BOOST_TEST(store->get(id)->result == (nlohmann::json{{"plan", "ü"}}));
  BOOST_TEST(raw->query("SELECT MAX(version) FROM agentry_schema_version", {}).front().integer(0) == 3);
  BOOST_TEST(raw->query("SELECT COUNT(result_steps) FROM agentry_jobs", {}).front().integer(0) == 0);
}

// A worker's write goes as one batch (one round trip on MySQL, with the
// transaction's START in front): each statement's matched rows come back, and
// a failure names what ran before it, inside a transaction that rolls back.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_batch_reports_each_statement_and_where_it_failed, B, Backends) {
  const auto url = B::fresh_url();
  open_store(url);
  auto c = with_batch_table(url);
  c->begin();
  const auto matched = c->execute_batch({{"INSERT INTO batch_test (k, v) VALUES (?, ?)", {int64_t{1}, "a;b"}},
                                         {"INSERT INTO batch_test (k, v) VALUES (?, ?)", {int64_t{2}, "it's"}},
                                         {"UPDATE batch_test SET v = ? WHERE k > ?", {"x", int64_t{0}}},
                                         {"UPDATE batch_test SET v = ? WHERE k = ?", {"y", int64_t{9}}}});
  c->commit();
  BOOST_TEST((matched == std::vector<int64_t>{1, 1, 2, 0}));
  BOOST_TEST(c->query("SELECT COUNT(*) FROM batch_test WHERE v = 'x'", {}).front().integer(0) == 2);

  c->begin();
  try {
    c->execute_batch({{"UPDATE batch_test SET v = ? WHERE k = ?", {"z", int64_t{1}}},
                      {"INSERT INTO batch_test (k, v) VALUES (?, ?)", {int64_t{2}, "duplicate"}},
                      {"INSERT INTO batch_test (k, v) VALUES (?, ?)", {int64_t{3}, "never"}}});
    BOOST_FAIL("a duplicate key must fail the batch");
  } catch (const sql::BatchError& e) {
    BOOST_TEST((e.matched() == std::vector<int64_t>{1}));
    BOOST_TEST((e.failure() == sql::Failure::duplicate_key));
  }
  c->rollback();
  BOOST_TEST(c->query("SELECT v FROM batch_test WHERE k = 1", {}).front().text(0) == "x");
  BOOST_TEST(c->query("SELECT COUNT(*) FROM batch_test", {}).front().integer(0) == 2);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_batch_with_its_commit_ends_the_transaction, B, Backends) {
  const auto url = B::fresh_url();
  open_store(url);
  auto c = with_batch_table(url);
  c->begin();
  const auto matched = c->execute_batch_and_commit({{"INSERT INTO batch_test (k, v) VALUES (?, ?)", {int64_t{1}, "a"}},
                                                    {"UPDATE batch_test SET v = ? WHERE k = ?", {"a", int64_t{1}}}});
  BOOST_TEST((matched == std::vector<int64_t>{1, 1}));  // matched, though nothing changed
  c->commit();                                          // nothing left to commit
  c->rollback();                                        // nor to roll back
  auto other = raw_connection(url);
  BOOST_TEST(other->query("SELECT v FROM batch_test WHERE k = 1", {}).front().text(0) == "a");

  // A failure before the COMMIT leaves the transaction open for rollback().
  c->begin();
  try {
    c->execute_batch_and_commit({{"UPDATE batch_test SET v = ? WHERE k = ?", {"b", int64_t{1}}},
                                 {"INSERT INTO batch_test (k, v) VALUES (?, ?)", {int64_t{1}, "duplicate"}}});
    BOOST_FAIL("a duplicate key must fail the batch");
  } catch (const sql::BatchError& e) {
    BOOST_TEST((e.matched() == std::vector<int64_t>{1}));
  }
  c->rollback();
  BOOST_TEST(other->query("SELECT v FROM batch_test WHERE k = 1", {}).front().text(0) == "a");
}

// The statements after a fenced UPDATE read its verdict from ROW_COUNT(),
// which must count the rows it matched, not only those it changed.
BOOST_AUTO_TEST_CASE(mysql_row_count_is_the_rows_an_update_matched) {
  const auto url = fresh_mysql_url();
  auto c = with_batch_table(url);
  c->execute("INSERT INTO batch_test (k, v) VALUES (1, 'a')", {});
  c->begin();
  c->execute_batch_and_commit({{"UPDATE batch_test SET v = ? WHERE k = ?", {"a", int64_t{1}}},
                               {"SET @matched_one = ROW_COUNT()", {}},
                               {"UPDATE batch_test SET v = ? WHERE k = ?", {"a", int64_t{2}}},
                               {"SET @matched_none = ROW_COUNT()", {}}});
  const auto row = c->query("SELECT @matched_one, @matched_none", {}).front();
  BOOST_TEST(row.integer(0) == 1);
  BOOST_TEST(row.integer(1) == 0);
}

BOOST_AUTO_TEST_CASE(stale_mysql_connections_are_replaced_without_failing_a_call) {
  const auto url = fresh_mysql_url();
  auto raw = raw_connection(url);
  const auto before = connection_ids(*raw);
  auto store = open_store(url, 3);
  // Put three connections in the pool.
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back([&] { store->create(new_job()); });
  for (auto& t : threads) t.join();
  int killed = 0;
  for (const auto& id : connection_ids(*raw))
    if (!before.count(id)) {
      raw->execute("KILL CONNECTION " + id, {});
      ++killed;
    }
  BOOST_TEST(killed >= 1);
  const auto id = store->create(new_job()).job.id;
  BOOST_TEST(store->get(id).has_value());
  BOOST_TEST(store->count_by_status().at(JobStatus::pending) == 4);
}

BOOST_AUTO_TEST_CASE(the_store_keeps_working_across_a_mysql_restart) {
  const auto url = fresh_mysql_url();
  auto store = open_store(url, 3);
  const auto id = store->create(new_job()).job.id;
  if (!restart_test_mariadb()) {
    BOOST_TEST_MESSAGE("AGENTRY_TEST_MYSQL_URL names an external server; not restarting it");
    return;
  }
  const auto job = store->get(id);
  BOOST_REQUIRE(job);
  BOOST_TEST(to_string(job->status) == "pending");
  const auto claimed = store->claim(claim_request("after-restart"));
  BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
  BOOST_TEST(claimed[0].job.id == id);
}

BOOST_AUTO_TEST_SUITE_END()
