// llm.chat's table as the provider receives it: system, messages (role
// defaulting to "user"), prompt last; and the errors a malformed table gets.
#include <boost/test/unit_test.hpp>

#include <mutex>

#include "run_helpers.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

// The mock model, keeping the last request it was sent.
class CapturingProvider final : public llm::LlmProvider {
 public:
  std::string name() const override { return "capturing"; }
  llm::ChatReply chat(const llm::ChatRequest& r, const llm::CallControl& c) override {
    {
      std::lock_guard lock(mutex);
      last = r;
    }
    return mock.chat(r, c);
  }
  std::mutex mutex;
  llm::ChatRequest last;
  llm::MockProvider mock;
};

// What pcall(llm.chat, <call_table>) raised, or "ok".
std::string chat_error(const std::string& call_table) {
  return result_of_body("local ok, err = pcall(llm.chat, " + call_table +
                        ")\nreturn { err = ok and 'ok' or tostring(err) }")["err"]
      .get<std::string>();
}

}  // namespace

BOOST_AUTO_TEST_CASE(messages_reach_the_provider_in_order_with_the_prompt_last) {
  ScriptDir dir;
  auto snap = pipeline_with_body(dir, R"(
    local r = llm.chat { system = 'be brief',
                         messages = { { role = 'assistant', content = 'earlier answer' }, { content = 'follow-up' } },
                         prompt = 'and now?' }
    return { text = r.text, prompt_tokens = r.usage.prompt_tokens, total = r.usage.total_tokens,
             completion = r.usage.completion_tokens })");
  auto provider = std::make_shared<CapturingProvider>();
  auto ran = run_pipeline(*snap, "t", nlohmann::json::object(), {}, provider);
  BOOST_REQUIRE_MESSAGE(ran.outcome.status == jobs::JobStatus::completed,
                        (ran.outcome.error ? ran.outcome.error->message : ""));
  const auto& sent = provider->last;
  BOOST_CHECK_EQUAL(sent.system, "be brief");
  BOOST_REQUIRE_EQUAL(sent.messages.size(), 3u);
  BOOST_CHECK_EQUAL(sent.messages[0].role, "assistant");
  BOOST_CHECK_EQUAL(sent.messages[0].content, "earlier answer");
  BOOST_CHECK_EQUAL(sent.messages[1].role, "user");
  BOOST_CHECK_EQUAL(sent.messages[1].content, "follow-up");
  BOOST_CHECK_EQUAL(sent.messages[2].role, "user");
  BOOST_CHECK_EQUAL(sent.messages[2].content, "and now?");
  // usage is a table of three numbers, the total their sum.
  const auto& result = ran.outcome.result;
  BOOST_CHECK_GT(result["prompt_tokens"].get<int64_t>(), 0);
  BOOST_CHECK_EQUAL(result["total"].get<int64_t>(),
                    result["prompt_tokens"].get<int64_t>() + result["completion"].get<int64_t>());
}

BOOST_AUTO_TEST_CASE(malformed_messages_get_errors_that_name_the_field) {
  BOOST_CHECK_EQUAL(chat_error("{ messages = { { content = 'hi' } } }"), "ok");
  const std::pair<const char*, const char*> cases[] = {
      {"{ messages = 'hi' }", "llm.chat: 'messages' must be a list"},
      {"{ messages = { a = { content = 'hi' } } }", "llm.chat: 'messages' must be a list"},
      {"{ messages = {} }", "llm.chat: 'messages' must be a list"},
      {"{ messages = { 'hi' } }", "llm.chat: each message needs a string 'content'"},
      {"{ messages = { { role = 'user' } } }", "llm.chat: each message needs a string 'content'"},
      {"{ messages = { { content = 5 } } }", "llm.chat: each message needs a string 'content'"},
      {"{ messages = { { 'hi', 'there' } } }", "llm.chat: each message needs a string 'content'"},
      {"{ messages = { { content = 'hi', role = 3 } } }", "llm.chat: a message's 'role' must be a string"},
      {"{ system = 'only a system prompt' }", "llm.chat: give 'messages' or 'prompt'"},
  };
  for (const auto& [call, expected] : cases) {
    const auto error = chat_error(call);
    BOOST_CHECK_MESSAGE(error.find(expected) != std::string::npos, call << " raised: " << error);
  }
}
