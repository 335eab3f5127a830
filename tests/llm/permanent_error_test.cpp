// Permanent API errors fail at once, with a message that says what to fix,
// and the API key never shows in a message or a log line.
#include <boost/test/unit_test.hpp>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

namespace {

struct Expectation {
  std::string action;
  int status;
  std::vector<std::string> message_parts;
};

// Runs one call against a mock that answers `action`, expecting an
// immediate permanent failure; returns its message.
std::string fail_once(const std::string& action, const ChatRequest& request, int expected_status) {
  MockApi api(script(action + ",ok"));
  auto client = api.client(fast_retries(2));
  TestControl control;
  RecordingListener listener;
  try {
    client->chat(request, control, listener);
  } catch (const LlmError& e) {
    BOOST_TEST((e.kind == LlmError::Kind::permanent));
    BOOST_TEST(e.http_status == expected_status);
    BOOST_TEST(api.server.stats().total == 1, "a permanent error is not retried");
    BOOST_TEST(listener.retries().empty());
    return e.what();
  }
  BOOST_FAIL("the call should have failed");
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(permanent_errors)

BOOST_AUTO_TEST_CASE(each_permanent_error_fails_at_once_with_what_to_fix) {
  const std::vector<Expectation> cases = {
      {"401", 401, {"OPENAI_API_KEY was rejected (401): set a valid key"}},
      {"403", 403, {"(403)", "'gpt-test-model'"}},
      {"404", 404, {"model 'gpt-test-model' was not found (404)", "OPENAI_MODEL"}},
      {"400", 400, {"(400)", "Invalid value for 'temperature': must be at most 2"}},
      {"quota", 429, {"insufficient_quota", "billing, not a rate limit"}},
      {"context", 400, {"context_length_exceeded", "'gpt-test-model'", "shorten"}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("action " << c.action) {
      ChatRequest request = simple_request();
      request.model = "gpt-test-model";
      const std::string message = fail_once(c.action, request, c.status);
      for (const auto& part : c.message_parts) BOOST_TEST(message.find(part) != std::string::npos, message);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_401_message_is_exactly_the_fix) {
  BOOST_TEST(fail_once("401", simple_request(), 401) == "OPENAI_API_KEY was rejected (401): set a valid key");
}

BOOST_AUTO_TEST_CASE(the_api_key_never_appears_in_messages_or_logs) {
  LogCapture logs;
  std::vector<std::string> messages;
  // Every error path, including one whose body echoes the key (the mock's 401).
  for (const std::string action : {"401", "403", "404", "400", "quota", "context", "503", "reset"}) {
    MockApi api(script(action + "," + action + "," + action));
    auto client = api.client(fast_retries(1));
    TestControl control;
    RecordingListener listener;
    try {
      client->chat(simple_request(), control, listener);
      BOOST_FAIL("the call should have failed for " << action);
    } catch (const LlmError& e) {
      messages.push_back(e.what());
      for (const auto& retry : listener.retries()) messages.push_back(retry.reason);
    }
  }
  const std::string log_text = logs.text();
  BOOST_TEST(!log_text.empty(), "the failures were logged");
  BOOST_TEST(log_text.find(kApiKey) == std::string::npos, log_text);
  BOOST_TEST(log_text.find("SECRET123") == std::string::npos);
  for (const auto& message : messages) BOOST_TEST(message.find("SECRET123") == std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_is_transient_and_named) {
  // A port nobody listens on: start and stop a server to get one.
  std::string url;
  {
    server::MockLlmServer gone;
    gone.start(0);
    url = gone.base_url();
  }
  MockApi api;
  auto options = api.provider_options();
  options.base_url = url;
  auto client = api.client_with(options, fast_retries(1));
  TestControl control;
  RecordingListener listener;
  try {
    client->chat(simple_request(), control, listener);
    BOOST_FAIL("the call should have failed");
  } catch (const LlmError& e) {
    BOOST_TEST(std::string(e.what()).find("refused the connection") != std::string::npos, e.what());
  }
  BOOST_TEST(listener.retries().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
