// The chat-completions wire format: request bodies and error meanings.
#include <boost/test/unit_test.hpp>

#include "runtime/llm/openai_protocol.h"

namespace agentry::llm::test {

BOOST_AUTO_TEST_SUITE(openai_protocol)

BOOST_AUTO_TEST_CASE(a_json_call_asks_for_a_json_object) {
  ChatRequest r;
  r.system = "Answer in JSON.";
  r.messages = {{"user", "hi"}};
  r.json = true;
  r.temperature = 0.2;
  r.max_tokens = 300;
  const auto body = chat_completion_body(r, "gpt-4o-mini");
  BOOST_TEST(body["model"] == "gpt-4o-mini");
  BOOST_TEST(body["messages"].size() == 2u);
  BOOST_TEST(body["messages"][0]["role"] == "system");
  BOOST_TEST(body["messages"][0]["content"] == "Answer in JSON.");
  BOOST_TEST(body["temperature"] == 0.2);
  BOOST_TEST(body["max_tokens"] == 300);
  BOOST_TEST(body["response_format"] == (nlohmann::json{{"type", "json_object"}}));
}

BOOST_AUTO_TEST_CASE(json_mode_mentions_json_when_the_prompt_does_not) {
  ChatRequest r;
  r.messages = {{"user", "hi"}};
  r.json = true;
  const auto body = chat_completion_body(r, "m");
  BOOST_TEST(body["messages"][0]["content"] == "Reply with one JSON object.");
}

BOOST_AUTO_TEST_CASE(a_schema_is_sent_as_json_schema) {
  ChatRequest r;
  r.agent = "E1";
  r.json = true;
  r.json_schema = {{"type", "object"}, {"required", {"profile"}}};
  const auto body = chat_completion_body(r, "m");
  BOOST_TEST(body["response_format"]["type"] == "json_schema");
  BOOST_TEST(body["response_format"]["json_schema"]["name"] == "E1");
  BOOST_TEST(body["response_format"]["json_schema"]["schema"] == r.json_schema);
  BOOST_TEST(body["messages"].empty(), "a schema needs no JSON hint");
}

BOOST_AUTO_TEST_CASE(a_text_call_sets_no_format_and_no_defaults) {
  ChatRequest r;
  r.messages = {{"user", "hi"}};
  const auto body = chat_completion_body(r, "m");
  BOOST_TEST(!body.contains("response_format"));
  BOOST_TEST(!body.contains("temperature"));
  BOOST_TEST(!body.contains("max_tokens"));
}

BOOST_AUTO_TEST_CASE(a_completion_is_read_with_its_usage) {
  const auto reply = parse_chat_completion(
      R"({"model": "gpt-4o-mini-2024", "choices": [{"message": {"role": "assistant", "content": "hello"}}],
          "usage": {"prompt_tokens": 12, "completion_tokens": 3}})",
      "gpt-4o-mini");
  BOOST_TEST(reply.text == "hello");
  BOOST_TEST(reply.model == "gpt-4o-mini-2024");
  BOOST_TEST(reply.usage.prompt_tokens == 12);
  BOOST_TEST(reply.usage.completion_tokens == 3);
}

BOOST_AUTO_TEST_CASE(an_unreadable_completion_is_transient) {
  try {
    parse_chat_completion("<html>bad gateway</html>", "m");
    BOOST_FAIL("should throw");
  } catch (const LlmError& e) {
    BOOST_TEST((e.kind == LlmError::Kind::transient));
  }
}

BOOST_AUTO_TEST_CASE(status_meanings) {
  using Kind = LlmError::Kind;
  BOOST_TEST((error_for_status(503, "Service Unavailable", "", "m", std::nullopt).kind == Kind::transient));
  BOOST_TEST((error_for_status(429, "Too Many Requests", R"({"error": {"code": "rate_limit_exceeded"}})", "m",
                               std::chrono::milliseconds(2000))
                  .retry_after->count() == 2000));
  BOOST_TEST((error_for_status(429, "", R"({"error": {"type": "insufficient_quota"}})", "m", std::nullopt).kind ==
              Kind::permanent));
  BOOST_TEST((error_for_status(418, "I'm a teapot", "", "m", std::nullopt).kind == Kind::permanent));
  // Ollama's error shape names the model too.
  const auto ollama =
      error_for_status(404, "Not Found", R"({"error": "model 'llama9' not found"})", "llama9", std::nullopt);
  BOOST_TEST(std::string(ollama.what()).find("model 'llama9' was not found") != std::string::npos, ollama.what());
  const auto wrong_url = error_for_status(404, "Not Found", "404 page not found", "m", std::nullopt);
  BOOST_TEST(std::string(wrong_url.what()).find("OPENAI_BASE_URL") != std::string::npos, wrong_url.what());
}

BOOST_AUTO_TEST_CASE(redaction_removes_every_copy_of_the_secret) {
  BOOST_TEST(redact("key sk-1 and sk-1 again", "sk-1") == "key [redacted] and [redacted] again");
  BOOST_TEST(redact("nothing", "") == "nothing");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
