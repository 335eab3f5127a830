// Protects one provider's API from the whole process: at most N requests in
// flight, and requests and tokens per minute as token buckets. Callers queue
// in arrival order and wait cancellably. Thread-safe; one per LlmClient.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>

#include "runtime/llm/provider.h"

namespace agentry::llm {

struct RateLimits {
  int max_concurrent = 0;         // requests in flight at once; 0: unlimited
  int requests_per_minute = 0;    // 0: unlimited
  int64_t tokens_per_minute = 0;  // prompt + completion tokens; 0: unlimited
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(RateLimits limits);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // The right to make one request; gives its concurrency slot back when
  // destroyed.
  class Permit {
   public:
    Permit(Permit&& other) noexcept : limiter_(std::exchange(other.limiter_, nullptr)), tokens_(other.tokens_) {}
    Permit& operator=(Permit&&) = delete;
    ~Permit();
    // Replaces the token estimate taken at acquire() with what the call used.
    void settle(int64_t actual_tokens);

   private:
    friend class RateLimiter;
    Permit(RateLimiter* limiter, int64_t tokens) : limiter_(limiter), tokens_(tokens) {}
    RateLimiter* limiter_;
    int64_t tokens_;
  };

  // Waits until a request estimated at `tokens` may start. While it waits it
  // calls `on_wait` with a message saying why ("waiting for LLM capacity (5/5
  // requests in flight)"), again whenever the reason changes. Looks at
  // control.stop_requested() at least every 10 ms while it waits; throws
  // LlmError(cancelled) when the call must stop.
  Permit acquire(int64_t tokens, const CallControl& control, const std::function<void(const std::string&)>& on_wait);

  const RateLimits& limits() const { return limits_; }
  int in_flight() const;

 private:
  struct Bucket {
    double capacity = 0;  // burst: one second's share of the minute
    double per_ms = 0;    // refill rate
    double level = 0;     // may go negative after settle()
    bool enabled() const { return per_ms > 0; }
  };
  struct Decision {
    bool granted = false;
    std::string reason;  // why not, for the waiting message
    std::chrono::milliseconds retry_in{0};
  };

  Decision try_acquire_locked(uint64_t ticket, int64_t tokens);
  void refill_locked(Clock::time_point now);
  void release();
  void settle(int64_t charged, int64_t actual);

  const RateLimits limits_;
  mutable std::mutex mutex_;
  int in_flight_ = 0;
  Bucket requests_;
  Bucket tokens_;
  Clock::time_point refilled_at_;
  std::deque<uint64_t> queue_;  // tickets of waiting callers, oldest first
  uint64_t next_ticket_ = 0;
  // Bumped by every grant, release, settle and waiter leaving: what a waiter
  // sleeps on, so the next caller in line goes at once instead of at its next
  // poll (polling capped grants at one per poll interval while a queue stood).
  uint64_t generation_ = 0;
  std::condition_variable changed_;
};

}  // namespace agentry::llm
