// When a transient LLM failure is retried and how long to wait first:
// exponential backoff with full jitter, or exactly what the API's
// Retry-After header asks for. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace agentry::llm {

struct RetryPolicy {
  // Retries after the first failed call (0: fail on the first transient error).
  int max_retries = 2;
  // Nominal delay before retry 1; retry n nominally waits
  // base_seconds * multiplier^(n-1): ~10 s, then ~30 s.
  double base_seconds = 10.0;
  double multiplier = 3.0;
  // Upper bound for any single wait, backoff or Retry-After.
  double max_delay_seconds = 120.0;
};

// The wait before retry `retry_number` (1-based): uniform in
// [0, 2 * nominal] ("full jitter", so callers that failed together spread
// out, while the mean stays at the nominal 10 s / 30 s), capped at
// max_delay_seconds.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry_number, std::mt19937_64& rng);

// Same with a per-thread random generator.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry_number);

// A Retry-After header value: delay-seconds ("7", "1.5") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`). A date in the past
// means "now" (0 ms). nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace agentry::llm
