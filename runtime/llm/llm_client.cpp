#include "runtime/llm/llm_client.h"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "runtime/metrics/cpu_by_part.h"

namespace agentry::llm {

namespace {

using std::chrono::milliseconds;

// OpenAI counts a request against tokens-per-minute by its prompt plus
// max_tokens before it runs; ~4 characters per token is its own rule of thumb.
int64_t estimate_tokens(const ChatRequest& request) {
  size_t chars = request.system.size();
  for (const auto& m : request.messages) chars += m.content.size();
  return static_cast<int64_t>(chars / 4 + 1) + request.max_tokens.value_or(0);
}

RetryPolicy effective_policy(RetryPolicy policy, const RetryOverride& override) {
  if (override.max_retries) policy.max_retries = std::max(0, *override.max_retries);
  if (override.base_seconds) policy.base_seconds = std::max(0.0, *override.base_seconds);
  return policy;
}

std::string agent_name(const ChatRequest& request) { return request.agent.empty() ? "(none)" : request.agent; }

}  // namespace

LlmClient::LlmClient(std::shared_ptr<LlmProvider> provider, RetryPolicy policy, RateLimits limits, LlmMetrics& metrics)
    : provider_(std::move(provider)), policy_(policy), limiter_(limits), metrics_(metrics) {}

ChatReply LlmClient::call_with_retries(const ChatRequest& request, const ChatRequest& current,
                                       const RetryPolicy& policy, const CallControl& control, CallListener& listener,
                                       ChatReply& total) {
  for (int retry = 0;; ++retry) {
    if (control.stop_requested()) throw LlmError(LlmError::Kind::cancelled, "call cancelled");
    std::optional<LlmError> failure;
    {
      bool waited = false;
      auto permit = limiter_.acquire(estimate_tokens(current), control, [&](const std::string& message) {
        if (!std::exchange(waited, true)) metrics_.record_wait();
        listener.on_waiting(request, message);
      });
      const auto started = std::chrono::steady_clock::now();
      try {
        ChatReply reply = provider_->chat(current, control);
        const auto latency = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
        permit.settle(reply.usage.prompt_tokens + reply.usage.completion_tokens);
        metrics_.record_call(latency);
        metrics_.record_tokens(reply.usage);
        total.usage += {1, reply.usage.prompt_tokens, reply.usage.completion_tokens};
        total.latency += latency;
        return reply;
      } catch (const LlmError& e) {
        const auto latency = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
        metrics_.record_call(latency);
        metrics_.record_error(e.kind);
        total.usage.llm_calls += 1;
        total.latency += latency;
        if (e.kind != LlmError::Kind::transient) {
          if (e.kind == LlmError::Kind::permanent)
            spdlog::warn("LLM call for agent {} failed: {}", agent_name(request), e.what());
          throw;
        }
        failure = e;
      }
    }
    if (retry >= policy.max_retries) {
      spdlog::warn("LLM call for agent {} failed: {}; no retries left", agent_name(request), failure->what());
      throw LlmError(LlmError::Kind::permanent,
                     std::string(failure->what()) + " (gave up after " + std::to_string(retry) +
                         (retry == 1 ? " retry" : " retries") +
                         "; the API may be overloaded or down: try again later or allow more retries)",
                     failure->http_status);
    }
    const milliseconds ceiling(static_cast<int64_t>(policy.max_delay_seconds * 1000.0));
    const milliseconds delay =
        failure->retry_after ? std::min(*failure->retry_after, ceiling) : backoff_delay(policy, retry + 1);
    spdlog::warn("LLM call for agent {} failed: {}; retry {}/{} in {:.1f} s", agent_name(request), failure->what(),
                 retry + 1, policy.max_retries, static_cast<double>(delay.count()) / 1000.0);
    metrics_.record_retry();
    ++total.retries;
    listener.on_retry(request, retry + 1, failure->what(), delay);
    if (!control.wait_for(delay)) throw LlmError(LlmError::Kind::cancelled, "call cancelled while waiting to retry");
  }
}

ChatReply LlmClient::chat(const ChatRequest& request, const CallControl& control, CallListener& listener) {
  metrics::CpuScope cpu(metrics::CpuPart::llm);
  const RetryPolicy policy = effective_policy(policy_, request.retry);
  std::optional<ChatRequest> reask;  // a copy of the request only when one is needed
  ChatReply total;
  try {
    for (int ask = 1;; ++ask) {
      ChatReply reply = call_with_retries(request, reask ? *reask : request, policy, control, listener, total);
      total.attempts = ask;
      total.model = std::move(reply.model);
      if (!request.json) {
        total.text = std::move(reply.text);
        return total;
      }
      std::string error;
      auto parsed = parse_json_reply(reply.text, error);
      if (!parsed.is_null()) {
        auto missing = missing_fields(parsed, request.required_fields);
        if (missing.empty()) {
          total.text = std::move(reply.text);
          total.json = std::move(parsed);
          return total;
        }
        error = "the JSON reply lacks required fields: " + missing;
      }
      if (ask >= 2) {
        metrics_.record_error(LlmError::Kind::invalid_reply);
        throw LlmError(LlmError::Kind::invalid_reply, "invalid reply from the model after one re-ask: " + error, 0,
                       std::nullopt, reply.text);
      }
      spdlog::info("LLM reply for agent {} unusable ({}); asking once more", agent_name(request), error);
      // The re-ask shows the model its reply and what was wrong with it.
      if (!reask) reask = request;
      reask->messages.push_back({"assistant", reply.text});
      reask->messages.push_back({"user", reask_message(error, request.required_fields)});
    }
  } catch (LlmError& e) {
    e.usage = total.usage;
    e.retries = total.retries;
    throw;
  }
}

}  // namespace agentry::llm
