// `agentry mock-llm`: fault plans, /stats, and the command line.
#include <boost/test/unit_test.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

namespace {

nlohmann::json get_stats(uint16_t port) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/stats", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  BOOST_TEST(response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
  return nlohmann::json::parse(body);
}

int run_command(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return server::run_mock_llm_command(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_llm_server)

BOOST_AUTO_TEST_CASE(stats_count_requests_by_agent_and_status) {
  server::MockLlmOptions options;
  options.agent_scripts["E1"] = server::parse_action_list("503");
  MockApi api(options);
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  client->chat(simple_request("E1"), control, listener);
  client->chat(simple_request("E2"), control, listener);
  const auto stats = get_stats(api.server.port());
  BOOST_TEST(stats["total"] == 3);
  BOOST_TEST(stats["by_agent"]["E1"] == 2);
  BOOST_TEST(stats["by_agent"]["E2"] == 1);
  BOOST_TEST(stats["by_status"]["200"] == 2);
  BOOST_TEST(stats["by_status"]["503"] == 1);
  BOOST_TEST(stats["in_flight"] == 0);
  BOOST_TEST(stats["max_in_flight"] == 1);
  BOOST_TEST(stats["connections"] >= 1);
  BOOST_TEST(listener.retries().size() == 1u, "only E1's script injected a fault");
}

BOOST_AUTO_TEST_CASE(fail_rates_inject_faults_at_about_that_rate) {
  server::FaultPlan plan({}, {}, server::parse_fail_rates("503=0.3,reset=0.1"), 1234);
  std::map<server::MockAction, int> seen;
  for (int i = 0; i < 2000; ++i) ++seen[plan.next("any")];
  BOOST_TEST(seen[server::MockAction::unavailable] > 500);
  BOOST_TEST(seen[server::MockAction::unavailable] < 700);
  BOOST_TEST(seen[server::MockAction::reset] > 140);
  BOOST_TEST(seen[server::MockAction::reset] < 260);
  BOOST_TEST(seen[server::MockAction::ok] > 1100);
}

BOOST_AUTO_TEST_CASE(scripts_run_per_agent_first_then_globally_then_normal) {
  server::FaultPlan plan(server::parse_action_list("500,502"), {{"E1", server::parse_action_list("hang")}}, {}, 1);
  BOOST_TEST((plan.next("E1") == server::MockAction::hang));
  BOOST_TEST((plan.next("E1") == server::MockAction::server_error));
  BOOST_TEST((plan.next("E2") == server::MockAction::bad_gateway));
  BOOST_TEST((plan.next("E2") == server::MockAction::ok));
}

BOOST_AUTO_TEST_CASE(bad_specs_are_refused_with_the_valid_names) {
  try {
    server::parse_action_list("503,boom");
    BOOST_FAIL("should throw");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("'boom'") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("quota") != std::string::npos);
  }
  BOOST_CHECK_THROW(server::parse_fail_rates("503"), std::invalid_argument);
  BOOST_CHECK_THROW(server::parse_fail_rates("503=0.8,429=0.5"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(unknown_routes_answer_404_json) {
  server::MockLlmServer server;
  const auto port = server.start(0);
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/nope", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  BOOST_TEST(response.getStatus() == Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
  BOOST_TEST(nlohmann::json::parse(body).contains("error"));
}

BOOST_AUTO_TEST_CASE(the_command_line_explains_itself_and_refuses_bad_flags) {
  BOOST_TEST(run_command({"mock-llm", "--help"}) == 0);
  BOOST_TEST(run_command({"mock-llm", "--fail-rate", "503=2"}) == 2);
  BOOST_TEST(run_command({"mock-llm", "--bogus"}) == 2);
  BOOST_TEST(run_command({"mock-llm", "--tls-cert", "x.pem"}) == 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
