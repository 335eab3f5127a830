// What llm.chat{} calls: one provider plus the policy around it — retries of
// transient failures with backoff, rate limits, JSON parsing with one re-ask,
// and usage accounting. Thread-safe: one client serves every job.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/llm/provider.h"

namespace agentry::llm {

// How a call reports what it is doing to the job that made it.
class CallListener {
 public:
  virtual ~CallListener() = default;
  // A transient failure will be retried after `delay` (a `retry` log event).
  virtual void on_retry(const ChatRequest& request, int retry_number, const std::string& reason,
                        std::chrono::milliseconds delay) = 0;
  // The call waits for rate-limit capacity (shown in the progress message).
  virtual void on_waiting(const ChatRequest& request, const std::string& message) = 0;
};

struct RetryPolicy {
  int max_retries = 2;         // classic: 2 retries
  double base_seconds = 10.0;  // ~10 s, then ~30 s
  double multiplier = 3.0;
  double max_delay_seconds = 120.0;
};

class LlmClient {
 public:
  LlmClient(std::shared_ptr<LlmProvider> provider, RetryPolicy policy = {});
  virtual ~LlmClient() = default;

  const LlmProvider& provider() const { return *provider_; }

  // The whole call: retries, JSON parse, one re-ask on invalid JSON or missing
  // required fields. Throws LlmError (permanent, cancelled or invalid_reply).
  virtual ChatReply chat(const ChatRequest& request, const CallControl& control, CallListener& listener);

 protected:
  std::shared_ptr<LlmProvider> provider_;
  RetryPolicy policy_;
};

// Parses a model's reply as a JSON object, tolerating a ```json fenced block
// and prose around one object. Returns null json and sets `error` otherwise.
nlohmann::json parse_json_reply(const std::string& text, std::string& error);

}  // namespace agentry::llm
