#include "support/store_databases.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "runtime/jobs/sql/database_url.h"
#include "runtime/jobs/store.h"

namespace agentry::test {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// tools/test starts the server and names script and datadir; run by hand,
// the tests start tools/mariadb-test with its default datadir.
std::string tool_command(const std::string& command) {
  std::string script = env("AGENTRY_MARIADB_TEST_SCRIPT");
  if (script.empty()) script = std::string(AGENTRY_SOURCE_DIR) + "/tools/mariadb-test";
  if (!std::filesystem::exists(script))
    throw std::runtime_error(
        "MariaDB tests need tools/mariadb-test, or AGENTRY_TEST_MYSQL_URL naming an empty database");
  const std::string dir = env("AGENTRY_MARIADB_TEST_DIR");
  return script + " " + command + (dir.empty() ? "" : " " + dir) + " 2>&1";
}

std::string run_tool(const std::string& command) {
  const std::string line = tool_command(command);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(line.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run " + line);
  std::string out;
  std::array<char, 512> buf{};
  while (fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  const int status = pclose(pipe.release());
  if (status != 0) throw std::runtime_error(line + " failed: " + out);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  // The URL is the last line; anything before it is progress output.
  const auto nl = out.rfind('\n');
  return nl == std::string::npos ? out : out.substr(nl + 1);
}

const std::string& mysql_url() {
  static const std::string url = [] {
    const std::string named = env("AGENTRY_TEST_MYSQL_URL");
    return named.empty() ? run_tool("start") : named;
  }();
  return url;
}

}  // namespace

std::string fresh_sqlite_url() {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::path(AGENTRY_BINARY_DIR) / "test-data";
  std::filesystem::create_directories(dir);
  const auto path = dir / ("store-" + std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1)) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return "sqlite://" + path.string();
}

std::string fresh_mysql_url() {
  const std::string& url = mysql_url();
  jobs::StoreOptions options;
  options.url = url;
  options.pool_size = 1;
  jobs::JobStore::open(options);  // creates the tables on first use
  auto c = jobs::sql::open_mysql(jobs::sql::parse_database_url(url).mysql, std::chrono::seconds(10));
  for (const char* table : {"agentry_job_events", "agentry_job_steps", "agentry_jobs"})
    c->execute(std::string("DELETE FROM ") + table, {});
  return url;
}

bool restart_test_mariadb() {
  // A server named only by URL is someone else's: leave it running.
  if (!env("AGENTRY_TEST_MYSQL_URL").empty() && env("AGENTRY_MARIADB_TEST_SCRIPT").empty()) return false;
  run_tool("restart");
  return true;
}

}  // namespace agentry::test
