#include "runtime/llm/retry_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>

namespace agentry::llm {

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry_number, std::mt19937_64& rng) {
  const double nominal = policy.base_seconds * std::pow(policy.multiplier, std::max(0, retry_number - 1));
  std::uniform_real_distribution<double> full_jitter(0.0, 2.0 * std::max(0.0, nominal));
  const double seconds = std::min(policy.max_delay_seconds, full_jitter(rng));
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000.0)));
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry_number) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return backoff_delay(policy, retry_number, rng);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;

  double seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
    return std::chrono::milliseconds(static_cast<int64_t>(std::llround(std::min(seconds, 1e9) * 1000.0)));
  }

  Poco::DateTime date;
  int tz = 0;
  try {
    if (!Poco::DateTimeParser::tryParse(std::string(value), date, tz)) return std::nullopt;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
  const auto at =
      std::chrono::system_clock::time_point(std::chrono::microseconds(date.timestamp().epochMicroseconds())) -
      std::chrono::seconds(tz);
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

}  // namespace agentry::llm
