#include "runtime/llm/mock_provider.h"

#include <functional>

namespace agentry::llm {

namespace {

int64_t approx_tokens(std::string_view text) { return static_cast<int64_t>(text.size() / 4 + 1); }

// A readable placeholder for one declared field: plural-looking names get a
// short list, everything else a sentence naming the field and the agent.
nlohmann::json value_for_field(const std::string& agent, const std::string& field, size_t seed) {
  std::string words = field;
  for (auto& c : words)
    if (c == '_') c = ' ';
  if (!field.empty() && field.back() == 's' && field != "analysis" && field != "status") {
    nlohmann::json items = nlohmann::json::array();
    const int n = 3 + static_cast<int>(seed % 3);
    for (int i = 1; i <= n; ++i) items.push_back(words + " item " + std::to_string(i) + " (" + agent + ")");
    return items;
  }
  return "Mock " + words + " from " + agent + " (variant " + std::to_string(seed % 97) + ")";
}

}  // namespace

nlohmann::json MockProvider::reply_for(const ChatRequest& request) {
  if (request.mock_fixture && request.mock_fixture->is_object()) return *request.mock_fixture;
  std::string prompt = request.system;
  for (const auto& m : request.messages) prompt += m.content;
  const size_t seed = std::hash<std::string>{}(request.agent + prompt);
  nlohmann::json reply = nlohmann::json::object();
  for (const auto& field : request.required_fields) reply[field] = value_for_field(request.agent, field, seed);
  if (reply.empty()) reply["summary"] = "Mock reply from " + (request.agent.empty() ? "an agent" : request.agent);
  return reply;
}

ChatReply MockProvider::chat(const ChatRequest& request, const CallControl& control) {
  if (options_.latency.count() > 0 && !control.wait_for(options_.latency))
    throw LlmError(LlmError::Kind::cancelled, "call cancelled");
  ChatReply reply = canned_reply(request);
  reply.latency = options_.latency;
  return reply;
}

ChatReply MockProvider::canned_reply(const ChatRequest& request) {
  auto body = reply_for(request);
  return canned_reply(request, request.json ? body.dump() : body.value("summary", body.dump()));
}

ChatReply MockProvider::canned_reply(const ChatRequest& request, std::string text) {
  ChatReply reply;
  reply.text = std::move(text);
  int64_t prompt_tokens = approx_tokens(request.system);
  for (const auto& m : request.messages) prompt_tokens += approx_tokens(m.content);
  reply.usage = {1, prompt_tokens, approx_tokens(reply.text)};
  reply.model = request.model.empty() ? "mock" : request.model;
  reply.attempts = 1;
  return reply;
}

}  // namespace agentry::llm
