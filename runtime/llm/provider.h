// The boundary between the engine and an LLM API. A provider makes one chat
// call and reports what happened; retries, rate limits, JSON parsing and
// re-asks live above it in LlmClient (llm_client.h), so every provider gets
// them the same way.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/jobs/job.h"

namespace agentry::llm {

struct ChatMessage {
  std::string role;  // system | user | assistant
  std::string content;
};

// Per-agent override of the retry policy (`retry = { max = 4, base = 2 }`).
struct RetryOverride {
  std::optional<int> max_retries;
  std::optional<double> base_seconds;
};

struct ChatRequest {
  std::string agent;  // the calling agent, for logs, metrics and mock replies
  std::string model;  // empty: the provider's default
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  std::string system;
  std::vector<ChatMessage> messages;
  bool json = false;                         // ask for (and parse) a JSON object
  nlohmann::json json_schema;                // optional JSON schema for structured output
  std::vector<std::string> required_fields;  // top-level keys the JSON reply must have
  RetryOverride retry;
  // Used by the mock provider only: a canned reply for this agent (the
  // optional `<agent>.mock.json` next to the agent script).
  std::shared_ptr<const nlohmann::json> mock_fixture;
};

struct ChatReply {
  std::string text;
  nlohmann::json json;  // parsed object when the request asked for JSON, else null
  jobs::Usage usage;    // llm_calls counts every HTTP call made, re-asks included
  std::string model;
  std::chrono::milliseconds latency{0};
  int retries = 0;   // transient failures retried
  int attempts = 0;  // calls made (1 + re-asks)
};

// Why a call failed, in words that say what to fix.
class LlmError : public std::runtime_error {
 public:
  enum class Kind { transient, permanent, cancelled, invalid_reply };
  LlmError(Kind kind, std::string message, int http_status = 0,
           std::optional<std::chrono::milliseconds> retry_after = std::nullopt, std::string raw_reply = {})
      : std::runtime_error(std::move(message)),
        kind(kind),
        http_status(http_status),
        retry_after(retry_after),
        raw_reply(std::move(raw_reply)) {}
  Kind kind;
  int http_status;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string raw_reply;
  // Set by LlmClient::chat: what the failed call spent before it failed.
  jobs::Usage usage;
  int retries = 0;
};

// Cancellation and deadlines for one call. Implemented by the job's control
// block; waits return early when the job is cancelled or times out.
class CallControl {
 public:
  virtual ~CallControl() = default;
  virtual bool stop_requested() const = 0;
  // Sleeps up to `d`; returns false (early) when the call must stop.
  virtual bool wait_for(std::chrono::milliseconds d) const = 0;
  // A descriptor that turns readable when stop_requested() may have turned
  // true, so a caller waiting on a socket can sleep on both; -1 if none.
  virtual int wake_fd() const { return -1; }
  // How long such a caller may sleep before it must ask stop_requested()
  // again: a deadline, or work due on its thread.
  virtual std::chrono::milliseconds recheck_within() const { return std::chrono::milliseconds(20); }
};

class LlmProvider {
 public:
  virtual ~LlmProvider() = default;
  virtual std::string name() const = 0;
  // One call, no retries. Throws LlmError. Must return (or throw cancelled)
  // promptly once control.stop_requested() turns true.
  virtual ChatReply chat(const ChatRequest& request, const CallControl& control) = 0;
};

}  // namespace agentry::llm
