// The SQLite store copies its write-ahead log into the database file on a
// thread of its own, so no commit waits for a checkpoint and its fsync.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <thread>

#include "runtime/jobs/sql/wal_checkpointer.h"
#include "store_fixture.h"

namespace agentry::test {

using namespace std::chrono_literals;

namespace {

std::string sqlite_path(const std::string& url) { return jobs::sql::parse_database_url(url).sqlite_path; }

}  // namespace

BOOST_AUTO_TEST_SUITE(wal_checkpointer)

BOOST_AUTO_TEST_CASE(the_thread_copies_committed_pages_into_the_database_file) {
  const auto path = sqlite_path(fresh_sqlite_url());
  auto writer = jobs::sql::open_sqlite(path, 10s);
  writer->query("PRAGMA wal_autocheckpoint=0");
  writer->execute("CREATE TABLE t (v TEXT)");
  jobs::sql::WalCheckpointer checkpointer(jobs::sql::open_sqlite(path, 10s), 50ms);
  std::this_thread::sleep_for(150ms);
  const auto before = std::filesystem::file_size(path);
  writer->begin();
  for (int i = 0; i < 200; ++i) writer->execute("INSERT INTO t (v) VALUES (?)", {std::string(1000, 'x')});
  writer->commit();
  std::this_thread::sleep_for(200ms);
  BOOST_TEST(checkpointer.checkpoints() >= 1);
  BOOST_TEST(std::filesystem::file_size(path) > before + 100 * 1000, "the rows reached the database file");
}

BOOST_AUTO_TEST_CASE(a_store_checkpoints_small_logs_that_sqlite_would_leave_in_the_wal) {
  // 100 jobs fill far fewer than the 1,000 pages at which SQLite's automatic
  // checkpoint would run: only the store's thread copies them.
  const auto url = fresh_sqlite_url();
  auto store = open_store(url);
  std::this_thread::sleep_for(300ms);
  const auto before = std::filesystem::file_size(sqlite_path(url));
  for (int i = 0; i < 100; ++i) store->create(new_job());
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(std::filesystem::file_size(sqlite_path(url)) > before);
}

BOOST_AUTO_TEST_CASE(no_store_commit_runs_a_checkpoint_itself) {
  // 6 MB of writes, past the 1,000 pages at which a connection left to
  // SQLite checkpoints inside its COMMIT; the store's thread waits an hour.
  const auto url = fresh_sqlite_url();
  jobs::StoreOptions options;
  options.url = url;
  options.sqlite_checkpoint_interval = std::chrono::hours(1);
  auto store = jobs::JobStore::open(options);
  const auto path = sqlite_path(url);
  const auto before = std::filesystem::file_size(path);
  auto job = new_job();
  job.input = {{"notes", std::string(20'000, 'x')}};
  for (int i = 0; i < 300; ++i) store->create(job);
  BOOST_TEST(std::filesystem::file_size(path) == before, "no commit copied the log into the database file");
  BOOST_TEST(std::filesystem::file_size(path + "-wal") > 6'000'000u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::test
