// JSON replies: parsed (fences tolerated), checked for required fields, one
// re-ask with the parse error, then invalid_reply with the raw reply.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

BOOST_AUTO_TEST_SUITE(structured_output)

BOOST_AUTO_TEST_CASE(a_json_reply_has_the_required_fields_derived_per_agent) {
  MockApi api;
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(json_request("E1"), control, listener);
  BOOST_TEST(reply.json.is_object());
  BOOST_TEST(reply.json.contains("profile"));
  BOOST_TEST(reply.json.contains("constraints"));
  BOOST_TEST(reply.attempts == 1);
  // The same reply the in-process mock gives for this request.
  BOOST_TEST(reply.json == MockProvider::reply_for(json_request("E1")));
  BOOST_TEST(api.server.stats().by_agent.at("E1") == 1);
}

BOOST_AUTO_TEST_CASE(invalid_json_is_asked_again_once_and_then_succeeds) {
  MockApi api(script("invalid,ok"));
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(json_request(), control, listener);
  BOOST_TEST(reply.json.contains("profile"));
  BOOST_TEST(reply.attempts == 2);
  BOOST_TEST(reply.usage.llm_calls == 2);
  BOOST_TEST(reply.retries == 0, "a re-ask is not a retry");
  BOOST_TEST(api.server.stats().total == 2);
}

BOOST_AUTO_TEST_CASE(missing_required_fields_are_asked_again_once) {
  MockApi api(script("partial,ok"));
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(json_request(), control, listener);
  BOOST_TEST(reply.json.contains("constraints"));
  BOOST_TEST(reply.attempts == 2);
}

BOOST_AUTO_TEST_CASE(twice_invalid_fails_with_the_raw_reply) {
  MockApi api(script("invalid,invalid,ok"));
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  try {
    client->chat(json_request(), control, listener);
    BOOST_FAIL("the call should have failed");
  } catch (const LlmError& e) {
    BOOST_TEST((e.kind == LlmError::Kind::invalid_reply));
    BOOST_TEST(e.raw_reply == "Sorry, I cannot write JSON today.");
    BOOST_TEST(std::string(e.what()).find("no JSON object") != std::string::npos, e.what());
    BOOST_TEST(e.usage.llm_calls == 2);
    BOOST_TEST(e.usage.prompt_tokens > 0);
  }
  BOOST_TEST(api.server.stats().total == 2);
  BOOST_TEST(api.metrics.snapshot().errors[static_cast<size_t>(LlmError::Kind::invalid_reply)] == 1u);
}

BOOST_AUTO_TEST_CASE(a_fenced_json_reply_is_accepted_as_is) {
  MockApi api(script("fence"));
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(json_request(), control, listener);
  BOOST_TEST(reply.json.contains("profile"));
  BOOST_TEST(reply.attempts == 1);
}

BOOST_AUTO_TEST_CASE(per_agent_canned_replies_come_from_fixtures) {
  const auto dir = std::filesystem::temp_directory_path() / ("agentry-llm-fixtures-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "N3.mock.json") << R"({"profile": "fixture profile", "constraints": ["none"]})";
  server::MockLlmOptions options;
  options.fixtures_dir = dir.string();
  MockApi api(options);
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(json_request("N3"), control, listener);
  BOOST_TEST(reply.json["profile"] == "fixture profile");
  const ChatReply other = client->chat(json_request("N4"), control, listener);
  BOOST_TEST(other.json["profile"] != "fixture profile");
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_text_call_returns_the_text_without_parsing) {
  MockApi api(script("invalid"));
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(simple_request(), control, listener);
  BOOST_TEST(reply.text == "Sorry, I cannot write JSON today.");
  BOOST_TEST(reply.json.is_null());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
