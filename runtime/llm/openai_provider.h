// The `openai` provider: any OpenAI-compatible chat-completions endpoint
// (OpenAI, vLLM, llama.cpp server, Ollama, `agentry mock-llm`) over HTTP or
// HTTPS with keep-alive connections. One call per chat(), no retries (those
// are LlmClient's). Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "runtime/llm/http_connection_pool.h"
#include "runtime/llm/provider.h"

namespace agentry::llm {

struct OpenAiOptions {
  std::string base_url = "https://api.openai.com/v1";
  std::string api_key;                        // sent as a Bearer token; never logged, redacted from messages
  std::string default_model = "gpt-4o-mini";  // when the request names none
  std::string ca_file;                        // extra trusted CA (PEM) for private endpoints
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{120'000};  // per socket read
  std::chrono::milliseconds call_timeout{180'000};  // the whole call, enforced here
  size_t max_idle_connections = 8;
};

class OpenAiProvider final : public LlmProvider {
 public:
  // Throws std::invalid_argument for a bad base URL or an unreadable CA file.
  explicit OpenAiProvider(OpenAiOptions options);

  std::string name() const override { return "openai"; }
  // Sends X-Agentry-Agent and X-Agentry-Required-Fields headers besides the
  // body, so `agentry mock-llm` can answer like the in-process mock.
  ChatReply chat(const ChatRequest& request, const CallControl& control) override;

  const HttpConnectionPool& pool() const { return *pool_; }

 private:
  OpenAiOptions options_;
  std::shared_ptr<HttpConnectionPool> pool_;
};

}  // namespace agentry::llm
