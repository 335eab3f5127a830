// What llm.chat{} calls: one provider plus the policy around it — retries of
// transient failures with backoff, rate limits, JSON parsing with one re-ask,
// and usage accounting. Thread-safe: one client serves every job.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/llm/json_reply.h"
#include "runtime/llm/llm_metrics.h"
#include "runtime/llm/provider.h"
#include "runtime/llm/rate_limiter.h"
#include "runtime/llm/retry_policy.h"

namespace agentry::llm {

// How a call reports what it is doing to the job that made it. Called on the
// thread that called LlmClient::chat.
class CallListener {
 public:
  virtual ~CallListener() = default;
  // A transient failure will be retried after `delay` (a `retry` log event).
  virtual void on_retry(const ChatRequest& request, int retry_number, const std::string& reason,
                        std::chrono::milliseconds delay) = 0;
  // The call waits for rate-limit capacity (shown in the progress message).
  virtual void on_waiting(const ChatRequest& request, const std::string& message) = 0;
};

class LlmClient {
 public:
  // `metrics` must outlive the client; tests pass their own.
  LlmClient(std::shared_ptr<LlmProvider> provider, RetryPolicy policy = {}, RateLimits limits = {},
            LlmMetrics& metrics = llm_metrics());
  virtual ~LlmClient() = default;
  LlmClient(const LlmClient&) = delete;
  LlmClient& operator=(const LlmClient&) = delete;

  const LlmProvider& provider() const { return *provider_; }
  const RetryPolicy& retry_policy() const { return policy_; }
  const RateLimits& limits() const { return limiter_.limits(); }

  // The whole call: waits for rate-limit capacity, retries transient
  // failures (each one reported to listener.on_retry; a Retry-After header
  // sets that retry's delay), parses JSON with one re-ask on invalid JSON or
  // missing required fields. Throws LlmError: permanent (also when retries
  // are used up), cancelled, or invalid_reply (raw_reply set); the error
  // carries the usage and retries spent so far.
  virtual ChatReply chat(const ChatRequest& request, const CallControl& control, CallListener& listener);

 protected:
  std::shared_ptr<LlmProvider> provider_;
  RetryPolicy policy_;

 private:
  // One ask: provider calls until one succeeds, adding usage, latency and
  // retries to `total`.
  ChatReply call_with_retries(const ChatRequest& request, const ChatRequest& current, const RetryPolicy& policy,
                              const CallControl& control, CallListener& listener, ChatReply& total);

  RateLimiter limiter_;
  LlmMetrics& metrics_;
};

}  // namespace agentry::llm
