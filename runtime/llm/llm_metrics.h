// Process-wide LLM counters for /metrics: calls, errors by kind, retries,
// rate-limit waits, tokens and a latency histogram. Lock-free and
// thread-safe; every LlmClient records into one instance (llm_metrics()).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ostream>

#include "runtime/llm/provider.h"

namespace agentry::llm {

class LlmMetrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets; one more
  // bucket counts everything above the last (+Inf).
  static constexpr std::array<double, 11> kLatencyBounds{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  static constexpr size_t kErrorKinds = 4;  // one per LlmError::Kind

  struct Snapshot {
    uint64_t calls = 0;                          // provider (HTTP) calls made, failed ones included
    std::array<uint64_t, kErrorKinds> errors{};  // failed calls by LlmError::Kind
    uint64_t retries = 0;                        // transient failures retried
    uint64_t waits = 0;                          // calls that waited for rate-limit capacity
    uint64_t prompt_tokens = 0;
    uint64_t completion_tokens = 0;
    std::array<uint64_t, kLatencyBounds.size() + 1> latency_buckets{};  // per bucket, not cumulative
    double latency_sum_seconds = 0;
  };

  void record_call(std::chrono::milliseconds latency);
  void record_tokens(const jobs::Usage& usage);
  void record_error(LlmError::Kind kind);
  void record_retry() { retries_.fetch_add(1, std::memory_order_relaxed); }
  void record_wait() { waits_.fetch_add(1, std::memory_order_relaxed); }

  Snapshot snapshot() const;
  // Prometheus text exposition (agentry_llm_* families).
  void write_prometheus(std::ostream& out) const;

 private:
  std::atomic<uint64_t> calls_{0};
  std::array<std::atomic<uint64_t>, kErrorKinds> errors_{};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> waits_{0};
  std::atomic<uint64_t> prompt_tokens_{0};
  std::atomic<uint64_t> completion_tokens_{0};
  std::array<std::atomic<uint64_t>, kLatencyBounds.size() + 1> latency_buckets_{};
  std::atomic<uint64_t> latency_sum_ms_{0};
};

// The process-wide instance.
LlmMetrics& llm_metrics();

const char* to_string(LlmError::Kind kind);

}  // namespace agentry::llm
