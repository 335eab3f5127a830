#include "runtime/llm/llm_client.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace agentry::llm {

LlmClient::LlmClient(std::shared_ptr<LlmProvider> provider, RetryPolicy policy)
    : provider_(std::move(provider)), policy_(policy) {}

nlohmann::json parse_json_reply(const std::string& text, std::string& error) {
  std::string_view body = text;
  // A fenced block (```json ... ```) wins over everything around it.
  if (auto fence = body.find("```"); fence != std::string_view::npos) {
    auto start = body.find('\n', fence);
    auto end = start == std::string_view::npos ? start : body.find("```", start);
    if (end != std::string_view::npos) body = body.substr(start + 1, end - start - 1);
  }
  auto first = body.find('{');
  auto last = body.rfind('}');
  if (first == std::string_view::npos || last == std::string_view::npos || last < first) {
    error = "the reply contains no JSON object";
    return nullptr;
  }
  auto parsed = nlohmann::json::parse(body.substr(first, last - first + 1), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    error = "the reply is not a valid JSON object";
    return nullptr;
  }
  return parsed;
}

namespace {

std::string missing_fields(const nlohmann::json& reply, const std::vector<std::string>& required) {
  std::string missing;
  for (const auto& f : required)
    if (!reply.contains(f)) missing += (missing.empty() ? "" : ", ") + f;
  return missing;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int retry_number) {
  // Exponential backoff with full jitter around the classic 10 s / 30 s.
  thread_local std::mt19937 rng{std::random_device{}()};
  double ceiling = std::min(p.max_delay_seconds, p.base_seconds * std::pow(p.multiplier, retry_number - 1));
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(ceiling * jitter(rng) * 1000.0));
}

}  // namespace

ChatReply LlmClient::chat(const ChatRequest& request, const CallControl& control, CallListener& listener) {
  RetryPolicy policy = policy_;
  if (request.retry.max_retries) policy.max_retries = *request.retry.max_retries;
  if (request.retry.base_seconds) policy.base_seconds = *request.retry.base_seconds;

  ChatRequest current = request;
  ChatReply total;
  for (int ask = 1;; ++ask) {
    ChatReply reply;
    for (int retry = 0;; ++retry) {
      if (control.stop_requested()) throw LlmError(LlmError::Kind::cancelled, "call cancelled");
      try {
        reply = provider_->chat(current, control);
        break;
      } catch (const LlmError& e) {
        if (e.kind != LlmError::Kind::transient) throw;
        if (retry >= policy.max_retries)
          throw LlmError(LlmError::Kind::permanent,
                         std::string(e.what()) + " (gave up after " + std::to_string(retry) + " retries)",
                         e.http_status);
        auto delay = e.retry_after ? *e.retry_after : backoff_delay(policy, retry + 1);
        listener.on_retry(request, retry + 1, e.what(), delay);
        ++total.retries;
        if (!control.wait_for(delay)) throw LlmError(LlmError::Kind::cancelled, "call cancelled");
      }
    }
    total.usage += reply.usage;
    total.latency += reply.latency;
    total.attempts = ask;
    total.text = reply.text;
    total.model = reply.model;
    if (!request.json) return total;

    std::string error;
    auto parsed = parse_json_reply(reply.text, error);
    if (!parsed.is_null()) {
      auto missing = missing_fields(parsed, request.required_fields);
      if (missing.empty()) {
        total.json = std::move(parsed);
        return total;
      }
      error = "the JSON reply lacks required fields: " + missing;
    }
    if (ask >= 2)
      throw LlmError(LlmError::Kind::invalid_reply, "invalid reply from the model after one re-ask: " + error, 0,
                     std::nullopt, reply.text);
    // One re-ask: show the model its reply and what was wrong with it.
    current.messages.push_back({"assistant", reply.text});
    current.messages.push_back(
        {"user", "Your reply could not be used: " + error + ". Reply with one JSON object only" +
                     (request.required_fields.empty() ? "" : ", with the fields: " + [&] {
                       std::string s;
                       for (const auto& f : request.required_fields) s += (s.empty() ? "" : ", ") + f;
                       return s;
                     }()) +
                     "."});
  }
}

}  // namespace agentry::llm
