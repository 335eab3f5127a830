// Real `agentry` processes on 127.0.0.1 over a real database, for the tests
// that only a whole process can show: kill -9, several processes on one
// database, SIGTERM.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "support/http_json.h"
#include "support/process.h"

namespace agentry::testing {

inline nlohmann::json example_input(const std::string& name) {
  std::ifstream in(std::filesystem::path(AGENTRY_SOURCE_DIR) / "examples" / name);
  return nlohmann::json::parse(in);
}

// A temp directory for a test's database and logs.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("agentry-service-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(counter()++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

// `agentry serve|worker ARGS` with the given extra environment; waits for
// /healthz when it serves HTTP.
inline std::unique_ptr<ChildProcess> start_agentry(const std::vector<std::string>& args,
                                                   const std::map<std::string, std::string>& env,
                                                   const std::string& log, int http_port = 0) {
  std::vector<std::string> argv{agentry_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = std::make_unique<ChildProcess>(argv, env, log);
  if (http_port) {
    auto ok = poll_until(http_port, "/healthz", [](const nlohmann::json&) { return true; }, std::chrono::seconds(15));
    BOOST_REQUIRE_MESSAGE(ok.status == 200, "agentry did not start:\n" << tail_of(log));
  }
  return child;
}

inline std::string submit(int port, const std::string& pipeline, const nlohmann::json& input, int priority = 0) {
  auto reply = http_request(port, "POST", "/api/v1/jobs",
                            {{"pipeline", pipeline}, {"input", input}, {"priority", priority}});
  BOOST_REQUIRE_MESSAGE(reply.status == 202, reply.status << " " << reply.raw);
  return reply.body["job_id"].get<std::string>();
}

inline nlohmann::json get_job(int port, const std::string& id) {
  return http_request(port, "GET", "/api/v1/jobs/" + id).body;
}

// The MariaDB started by tools/test, as a fresh database for one test.
inline std::string mysql_url_or_fail() {
  const char* url = std::getenv("AGENTRY_TEST_MYSQL_URL");
  BOOST_REQUIRE_MESSAGE(url && *url, "AGENTRY_TEST_MYSQL_URL is not set: run the tests through tools/test, "
                                     "which starts a private MariaDB");
  return url;
}

}  // namespace agentry::testing
