// The offline provider: deterministic replies that satisfy the agent's
// declared output fields (or its fixture file), with fake token usage and an
// optional delay so progress is visible. The default when no API key is set.
#pragma once

#include <chrono>

#include "runtime/llm/provider.h"

namespace agentry::llm {

struct MockOptions {
  std::chrono::milliseconds latency{0};
};

class MockProvider final : public LlmProvider {
 public:
  explicit MockProvider(MockOptions options = {}) : options_(options) {}
  std::string name() const override { return "mock"; }
  ChatReply chat(const ChatRequest& request, const CallControl& control) override;

  // The reply the mock gives for a request (exposed for tests and `mock-llm`).
  static nlohmann::json reply_for(const ChatRequest& request);
  // The whole reply chat() returns, text and usage included, without the
  // delay (what `agentry mock-llm` sends back).
  static ChatReply canned_reply(const ChatRequest& request);
  // The same with the reply text given (a fixture's text kept ready).
  static ChatReply canned_reply(const ChatRequest& request, std::string text);

 private:
  MockOptions options_;
};

}  // namespace agentry::llm
