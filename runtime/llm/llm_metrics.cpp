#include "runtime/llm/llm_metrics.h"

namespace agentry::llm {

namespace {
constexpr auto relaxed = std::memory_order_relaxed;
}

const char* to_string(LlmError::Kind kind) {
  switch (kind) {
    case LlmError::Kind::transient: return "transient";
    case LlmError::Kind::permanent: return "permanent";
    case LlmError::Kind::cancelled: return "cancelled";
    case LlmError::Kind::invalid_reply: return "invalid_reply";
  }
  return "unknown";
}

void LlmMetrics::record_call(std::chrono::milliseconds latency) {
  calls_.fetch_add(1, relaxed);
  const double seconds = static_cast<double>(latency.count()) / 1000.0;
  size_t bucket = 0;
  while (bucket < kLatencyBounds.size() && seconds > kLatencyBounds[bucket]) ++bucket;
  latency_buckets_[bucket].fetch_add(1, relaxed);
  latency_sum_ms_.fetch_add(static_cast<uint64_t>(latency.count()), relaxed);
}

void LlmMetrics::record_tokens(const jobs::Usage& usage) {
  prompt_tokens_.fetch_add(static_cast<uint64_t>(usage.prompt_tokens), relaxed);
  completion_tokens_.fetch_add(static_cast<uint64_t>(usage.completion_tokens), relaxed);
}

void LlmMetrics::record_error(LlmError::Kind kind) { errors_[static_cast<size_t>(kind)].fetch_add(1, relaxed); }

LlmMetrics::Snapshot LlmMetrics::snapshot() const {
  Snapshot s;
  s.calls = calls_.load(relaxed);
  for (size_t i = 0; i < kErrorKinds; ++i) s.errors[i] = errors_[i].load(relaxed);
  s.retries = retries_.load(relaxed);
  s.waits = waits_.load(relaxed);
  s.prompt_tokens = prompt_tokens_.load(relaxed);
  s.completion_tokens = completion_tokens_.load(relaxed);
  for (size_t i = 0; i < latency_buckets_.size(); ++i) s.latency_buckets[i] = latency_buckets_[i].load(relaxed);
  s.latency_sum_seconds = static_cast<double>(latency_sum_ms_.load(relaxed)) / 1000.0;
  return s;
}

void LlmMetrics::write_prometheus(std::ostream& out) const {
  const Snapshot s = snapshot();
  out << "# HELP agentry_llm_calls_total LLM provider calls made, failed ones included.\n"
      << "# TYPE agentry_llm_calls_total counter\n"
      << "agentry_llm_calls_total " << s.calls << "\n"
      << "# HELP agentry_llm_errors_total Failed LLM calls by kind.\n"
      << "# TYPE agentry_llm_errors_total counter\n";
  for (size_t i = 0; i < kErrorKinds; ++i)
    out << "agentry_llm_errors_total{kind=\"" << to_string(static_cast<LlmError::Kind>(i)) << "\"} " << s.errors[i]
        << "\n";
  out << "# HELP agentry_llm_retries_total Transient LLM failures retried.\n"
      << "# TYPE agentry_llm_retries_total counter\n"
      << "agentry_llm_retries_total " << s.retries << "\n"
      << "# HELP agentry_llm_rate_limit_waits_total LLM calls that waited for rate-limit capacity.\n"
      << "# TYPE agentry_llm_rate_limit_waits_total counter\n"
      << "agentry_llm_rate_limit_waits_total " << s.waits << "\n"
      << "# HELP agentry_llm_tokens_total Tokens used, by kind.\n"
      << "# TYPE agentry_llm_tokens_total counter\n"
      << "agentry_llm_tokens_total{kind=\"prompt\"} " << s.prompt_tokens << "\n"
      << "agentry_llm_tokens_total{kind=\"completion\"} " << s.completion_tokens << "\n"
      << "# HELP agentry_llm_call_duration_seconds Latency of LLM provider calls.\n"
      << "# TYPE agentry_llm_call_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBounds.size(); ++i) {
    cumulative += s.latency_buckets[i];
    out << "agentry_llm_call_duration_seconds_bucket{le=\"" << kLatencyBounds[i] << "\"} " << cumulative << "\n";
  }
  cumulative += s.latency_buckets.back();
  out << "agentry_llm_call_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "agentry_llm_call_duration_seconds_sum " << s.latency_sum_seconds << "\n"
      << "agentry_llm_call_duration_seconds_count " << cumulative << "\n";
}

LlmMetrics& llm_metrics() {
  static LlmMetrics instance;
  return instance;
}

}  // namespace agentry::llm
