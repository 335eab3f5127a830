// `agentry serve --log-format json` as a process: every stderr line is a JSON
// object, lines about a job carry its job_id, HTTP lines their request_id
// (the one echoed in X-Request-Id), and neither the LLM API key nor a bearer
// token a client sent ever shows up.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "runtime/log/logging.h"
#include "server/mock_llm_server.h"
#include "service_fixture.h"

using namespace agentry::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kApiKey[] = "sk-test-obs-7d1e0c9b4a2f6e83";
constexpr char kBearer[] = "tok-obs-client-5c8e2a91f04b7d36";

// GET `path` with a bearer token and our own request id; returns the echoed id.
std::string get_with_headers(int port, const std::string& path, const std::string& request_id) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", std::string("Bearer ") + kBearer);
  request.set("X-Request-Id", request_id);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& body = session.receiveResponse(response);
  std::ostringstream ignored;
  ignored << body.rdbuf();
  return response.get("X-Request-Id", "");
}

}  // namespace

BOOST_AUTO_TEST_CASE(json_logs_carry_job_and_request_ids_and_no_secrets) {
  agentry::server::MockLlmServer mock{agentry::server::MockLlmOptions{}};
  mock.start();
  TempDir dir;
  const int port = free_port();
  const std::string out_log = (dir.path / "stdout.log").string();
  const std::string err_log = (dir.path / "stderr.log").string();
  // stderr alone, so every line in it must be a log line.
  auto server = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>\"$AGENTRY_TEST_STDERR\"", agentry_binary(),
                               "serve", "--port", std::to_string(port), "--db",
                               "sqlite:" + (dir.path / "l.db").string(), "--log-format", "json", "--log-level",
                               "debug"},
      std::map<std::string, std::string>{
          {"OPENAI_API_KEY", kApiKey}, {"OPENAI_BASE_URL", mock.base_url()}, {"AGENTRY_TEST_STDERR", err_log}},
      out_log);
  auto up = poll_until(
      port, "/healthz", [](const nlohmann::json&) { return true; }, 15s);
  BOOST_REQUIRE_MESSAGE(up.status == 200, "agentry did not start:\n" << tail_of(err_log));

  BOOST_CHECK_EQUAL(get_with_headers(port, "/api/v1/jobs?limit=1", "obs-test-req-1"), "obs-test-req-1");
  BOOST_CHECK(!get_with_headers(port, "/api/v1/pipelines", "bad id with spaces").empty());
  const std::string id = submit(port, "training", example_input("client.json"));
  auto job = poll_until(
      port, "/api/v1/jobs/" + id, [](const auto& j) { return j["status"] == "completed"; }, 60s);
  BOOST_REQUIRE_MESSAGE(job.body["status"] == "completed", job.raw << tail_of(err_log));
  BOOST_CHECK(job.raw.find(kApiKey) == std::string::npos);
  server->signal(SIGTERM);
  BOOST_CHECK(server->wait(30s).value_or(-1) == 0);

  std::ifstream in(err_log);
  std::string line;
  int lines = 0, job_lines = 0, http_lines = 0, our_request = 0;
  std::string all;
  while (std::getline(in, line)) {
    all += line + "\n";
    ++lines;
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    BOOST_REQUIRE_MESSAGE(entry.is_object(), "not a JSON log line: " << line);
    BOOST_CHECK(entry.contains("ts") && entry.contains("level") && entry.contains("msg"));
    const std::string msg = entry.value("msg", "");
    if (msg.find(id) != std::string::npos) {
      ++job_lines;
      BOOST_CHECK_MESSAGE(entry.value("job_id", "") == id || entry.contains("request_id"), line);
    }
    if (entry.value("job_id", "") == id) ++job_lines;
    if (msg.rfind("http ", 0) == 0) {
      ++http_lines;
      BOOST_CHECK_MESSAGE(entry.contains("request_id"), line);
      our_request += entry.value("request_id", "") == "obs-test-req-1";
    }
  }
  BOOST_TEST_MESSAGE(lines << " log lines, " << job_lines << " about the job, " << http_lines << " HTTP");
  BOOST_CHECK_GE(job_lines, 2);  // at least started and completed
  BOOST_CHECK_GE(http_lines, 4);
  BOOST_CHECK_EQUAL(our_request, 1);
  BOOST_CHECK_MESSAGE(all.find(kApiKey) == std::string::npos, "the API key was logged");
  BOOST_CHECK_MESSAGE(all.find(kBearer) == std::string::npos, "the bearer token was logged");
  // The worker lines about the job: started on a worker, completed.
  BOOST_CHECK(all.find("\"job_id\":\"" + id + "\"") != std::string::npos);
}

// Every name the usage text of --log-level offers is accepted ("warn" is
// spdlog's "warning"), and nothing else.
BOOST_AUTO_TEST_CASE(log_levels_accept_the_names_the_usage_lists) {
  namespace log = agentry::log;
  BOOST_CHECK(log::parse_log_level("trace") == spdlog::level::trace);
  BOOST_CHECK(log::parse_log_level("debug") == spdlog::level::debug);
  BOOST_CHECK(log::parse_log_level("info") == spdlog::level::info);
  BOOST_CHECK(log::parse_log_level("warn") == spdlog::level::warn);
  BOOST_CHECK(log::parse_log_level("warning") == spdlog::level::warn);
  BOOST_CHECK(log::parse_log_level("error") == spdlog::level::err);
  BOOST_CHECK(log::parse_log_level("critical") == spdlog::level::critical);
  BOOST_CHECK(log::parse_log_level("off") == spdlog::level::off);
  BOOST_CHECK(!log::parse_log_level("loud"));
  BOOST_CHECK(!log::parse_log_level(""));
}
