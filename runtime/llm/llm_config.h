// Which LLM provider the process uses and the limits around it: one struct,
// read from the environment (and `--llm-*` flags) in one place, turned into
// the process's LlmClient by make_llm_client().
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/llm/llm_client.h"

namespace agentry::llm {

struct LlmConfig {
  // "mock" (offline, deterministic) or "openai" (any OpenAI-compatible API).
  // Default: "openai" when OPENAI_API_KEY is set, else "mock".
  // Env AGENTRY_LLM_PROVIDER, flag --llm-provider.
  std::string provider = "mock";
  // The API's base URL; requests go to {base_url}/chat/completions.
  // Default https://api.openai.com/v1. Env OPENAI_BASE_URL, flag --llm-base-url.
  std::string base_url = "https://api.openai.com/v1";
  // Bearer token. Default none. Env OPENAI_API_KEY only (a flag would show in
  // `ps`). Never logged; redacted from every error message.
  std::string api_key;
  // Model for agents that name none. Default gpt-4o-mini. Env OPENAI_MODEL, flag --llm-model.
  std::string model = "gpt-4o-mini";
  // Extra trusted CA certificate (PEM) for HTTPS endpoints signed by a
  // private CA; the system CAs are always trusted. Default none.
  // Env AGENTRY_LLM_CA_FILE, flag --llm-ca-file.
  std::string ca_file;
  // TCP connect (and TLS handshake) limit. Default 10 s. Env AGENTRY_LLM_CONNECT_TIMEOUT (seconds).
  std::chrono::milliseconds connect_timeout{10'000};
  // Limit on each socket read while waiting for the answer. Default 120 s.
  // Env AGENTRY_LLM_READ_TIMEOUT (seconds).
  std::chrono::milliseconds read_timeout{120'000};
  // Limit on one whole HTTP call, however the server dribbles. Default 180 s.
  // Env AGENTRY_LLM_CALL_TIMEOUT (seconds).
  std::chrono::milliseconds call_timeout{180'000};
  // Retries of transient failures: default 2, after ~10 s then ~30 s (full
  // jitter). Env AGENTRY_LLM_MAX_RETRIES, AGENTRY_LLM_RETRY_BASE (seconds);
  // agents override with `retry = { max = …, base = … }`.
  RetryPolicy retry;
  // Requests in flight at once, over all jobs. Default 8; 0 unlimited.
  // Env AGENTRY_LLM_MAX_CONCURRENT, flag --llm-max-concurrent.
  int max_concurrent = 8;
  // Requests started per minute (bursts of one second's share). Default: 500
  // for openai (OpenAI's tier-1 limit for gpt-4o-mini), unlimited for mock;
  // 0 unlimited. Env AGENTRY_LLM_RPM, flag --llm-rpm.
  std::optional<int> requests_per_minute;
  // Prompt + completion tokens per minute (prompt estimate + max_tokens is
  // charged up front, corrected by the reply's usage). Default 0, unlimited.
  // Env AGENTRY_LLM_TPM, flag --llm-tpm.
  int64_t tokens_per_minute = 0;
  // Delay of each mock reply, so progress is visible. Default 0.
  // Env AGENTRY_MOCK_LATENCY_MS, flag --mock-latency-ms.
  std::chrono::milliseconds mock_latency{0};

  using Getenv = std::function<const char*(const char*)>;
  // Defaults overridden by the environment. Throws std::invalid_argument
  // naming the variable when a value is malformed.
  static LlmConfig from_env(const Getenv& getenv = [](const char* name) { return std::getenv(name); });

  // Applies one `--llm-*` / `--mock-latency-ms` flag. Returns false when the
  // flag is not an LLM flag; throws std::invalid_argument for a bad value.
  bool apply_flag(std::string_view flag, std::string_view value);

  // The requests-per-minute limit in force for this provider.
  int effective_requests_per_minute() const;

  // One line for the start-up log: "LLM provider: mock — set OPENAI_API_KEY
  // to use OpenAI" or "LLM provider: openai at https://… (model gpt-4o-mini)".
  std::string describe() const;
};

// The process's client for `config`. Throws std::invalid_argument for an
// unknown provider, a bad base URL or an unreadable CA file.
std::shared_ptr<LlmClient> make_llm_client(const LlmConfig& config);

// The provider alone, as make_llm_client builds it (for wrapping it, e.g. to
// record calls). Same errors.
std::shared_ptr<LlmProvider> make_llm_provider(const LlmConfig& config);

}  // namespace agentry::llm
