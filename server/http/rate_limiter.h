// Per-caller token buckets for job creation: each caller (token name) may
// create `burst` jobs at once and then `rate_per_minute` a minute. A refused
// call learns how long to wait (Retry-After).
//
// Thread-safe: one limiter per server, used by every pool thread.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace agentry::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Takes one unit from `key`'s bucket. Returns nothing when allowed, else
  // the whole seconds until one unit is back (at least 1). rate_per_minute 0:
  // unlimited. A bucket starts full (burst units; at least 1).
  std::optional<std::chrono::seconds> take(const std::string& key, int rate_per_minute, int burst,
                                           Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double units = 0;
    Clock::time_point updated;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace agentry::server
