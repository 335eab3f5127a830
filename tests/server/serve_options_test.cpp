// `agentry serve`'s tuning flags: a bad value (negative, not a number, from
// the flag or its environment variable) stops serve with a usage error that
// names it, before anything is opened; the edge values are accepted.
#include <boost/test/unit_test.hpp>

#include <csignal>

#include <unistd.h>

#include "support/http_json.h"
#include "support/process.h"
#include "support/script_dir.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(serve_options)

BOOST_AUTO_TEST_CASE(bad_tuning_values_are_refused_by_name_before_anything_opens) {
  const auto dir = fresh_dir("agentry-serve-options");
  const std::string db = (dir / "never.db").string();
  const std::string serve = agentry_binary() + " serve --no-workers --port " + std::to_string(free_port()) +
                            " --db sqlite:" + db + " --scripts " + shipped_scripts().string();
  const struct {
    std::string args;
    std::string says;
  } cases[] = {
      {" --document-cache-mb -1", "--document-cache-mb must not be negative"},
      {" --queue-ranks-ms -5", "--queue-ranks-ms must not be negative"},
      {" --queue-ranks-ms soon", "--queue-ranks-ms expects a whole number, got 'soon'"},
      {" --max-running 0", "--max-running must be at least 1"},
      {" --job-timeout 0", "--job-timeout must be at least 1"},
      {" --max-attempts 0", "--max-attempts must be at least 1"},
      {" --poll-ms -1", "--poll-ms must be at least 1"},
      {" --db-connections 0", "--db-connections must be at least 1"},
      {" extra", "unexpected argument 'extra'"},
      {" --port 99999", "--port must be 0..65535, got 99999"},
      {" --max-connections-per-ip 0", "--max-connections-per-ip must be at least 1"},
  };
  for (const auto& c : cases) {
    const auto r = run_command(serve + c.args);
    BOOST_TEST(r.exit_code == 2, c.args);
    BOOST_TEST(r.output.find(c.says) != std::string::npos, r.output);
  }
  const auto from_env = run_command("AGENTRY_DOCUMENT_CACHE_MB=lots " + serve);
  BOOST_TEST(from_env.exit_code == 2);
  BOOST_TEST(from_env.output.find("AGENTRY_DOCUMENT_CACHE_MB must be a whole number, got 'lots'") != std::string::npos,
             from_env.output);
  BOOST_TEST(!std::filesystem::exists(db));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(help_anywhere_prints_the_usage_and_starts_nothing) {
  const auto dir = fresh_dir("agentry-serve-help");
  const std::string db = (dir / "never.db").string();
  for (const std::string& command : {" serve --db sqlite:" + db + " --help", " serve --db sqlite:" + db + " -h",
                                     " worker -h --db sqlite:" + db, " migrate --db sqlite:" + db + " --help"}) {
    // Bounded: before the fix `serve -h` started a server that never returned.
    const auto r = run_command("timeout 20 " + agentry_binary() + command);
    BOOST_TEST(r.exit_code == 0, command);
    BOOST_TEST(r.output.find("usage: agentry COMMAND") != std::string::npos, r.output);
    BOOST_TEST(r.output.find("--max-running") != std::string::npos, r.output);
  }
  BOOST_TEST(!std::filesystem::exists(db));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(serve_runs_with_the_document_cache_and_shared_queue_ranks_off_on_one_connection) {
  const auto dir = fresh_dir("agentry-serve-options-off");
  const int port = free_port();
  const std::string log = (dir / "serve.log").string();
  ChildProcess serve(
      {agentry_binary(), "serve", "--port", std::to_string(port), "--db", "sqlite:" + (dir / "a.db").string(),
       "--scripts", shipped_scripts().string(), "--document-cache-mb", "0", "--queue-ranks-ms", "0", "--max-running",
       "1", "--db-connections", "1", "--llm-provider", "mock"},
      {}, log);
  const auto up = poll_until(
      port, "/healthz", [](const nlohmann::json&) { return true; }, std::chrono::seconds(15));
  BOOST_REQUIRE_MESSAGE(up.status == 200, tail_of(log));
  const auto created = http_request(port, "POST", "/api/v1/jobs",
                                    {{"pipeline", "training"}, {"input", {{"client", {{"name", "Test"}}}}}});
  BOOST_REQUIRE_MESSAGE(created.status == 202, created.body.dump());
  const std::string path = "/api/v1/jobs/" + created.body.value("job_id", "");
  const auto done = poll_until(
      port, path, [](const nlohmann::json& j) { return j.value("status", "") == "completed"; },
      std::chrono::seconds(60));
  BOOST_TEST(done.body.value("status", "") == "completed", tail_of(log));
  // Read twice: with no document cache every GET renders the job again.
  BOOST_TEST(http_request(port, "GET", path).body == done.body);
  serve.signal(SIGTERM);
  BOOST_TEST(serve.wait(std::chrono::seconds(20)).value_or(-1) == 0);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
