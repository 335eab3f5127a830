#include "runtime/llm/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace agentry::llm {

namespace {

// How often a waiting caller looks at its job's control (cancellation) when
// nothing else wakes it; freed capacity and grants ahead wake it at once,
// refills are waited for exactly.
constexpr std::chrono::milliseconds kPollInterval{10};

// Per-minute limits are enforced per second by the APIs we protect (OpenAI
// quantises them), so the burst allowance is one second's share.
double burst_for(double per_minute) { return std::max(1.0, per_minute / 60.0); }

}  // namespace

RateLimiter::RateLimiter(RateLimits limits) : limits_(limits), refilled_at_(Clock::now()) {
  if (limits_.requests_per_minute > 0) {
    requests_.capacity = burst_for(limits_.requests_per_minute);
    requests_.per_ms = limits_.requests_per_minute / 60000.0;
    requests_.level = requests_.capacity;
  }
  if (limits_.tokens_per_minute > 0) {
    tokens_.capacity = burst_for(static_cast<double>(limits_.tokens_per_minute));
    tokens_.per_ms = static_cast<double>(limits_.tokens_per_minute) / 60000.0;
    tokens_.level = tokens_.capacity;
  }
}

RateLimiter::Permit::~Permit() {
  if (limiter_) limiter_->release();
}

void RateLimiter::Permit::settle(int64_t actual_tokens) {
  if (!limiter_) return;
  limiter_->settle(tokens_, actual_tokens);
  tokens_ = actual_tokens;
}

int RateLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

void RateLimiter::refill_locked(Clock::time_point now) {
  const double elapsed_ms = std::chrono::duration<double, std::milli>(now - refilled_at_).count();
  refilled_at_ = now;
  for (Bucket* b : {&requests_, &tokens_})
    if (b->enabled()) b->level = std::min(b->capacity, b->level + elapsed_ms * b->per_ms);
}

RateLimiter::Decision RateLimiter::try_acquire_locked(uint64_t ticket, int64_t tokens) {
  refill_locked(Clock::now());
  Decision d;
  const auto wait_for_refill = [](const Bucket& b, double needed) {
    return std::chrono::milliseconds(static_cast<int64_t>(std::ceil((needed - b.level) / b.per_ms)) + 1);
  };
  // A request larger than the burst would never fit; it waits for a full
  // bucket instead and leaves it in debt.
  const double token_cost = std::min(static_cast<double>(tokens), tokens_.capacity);
  if (limits_.max_concurrent > 0 && in_flight_ >= limits_.max_concurrent) {
    d.reason = "waiting for LLM capacity (" + std::to_string(in_flight_) + "/" +
               std::to_string(limits_.max_concurrent) + " requests in flight)";
    d.retry_in = kPollInterval;
  } else if (requests_.enabled() && requests_.level < 1.0) {
    d.reason = "waiting for LLM capacity (" + std::to_string(limits_.requests_per_minute) + " requests per minute)";
    d.retry_in = wait_for_refill(requests_, 1.0);
  } else if (tokens_.enabled() && tokens_.level < token_cost) {
    d.reason = "waiting for LLM capacity (" + std::to_string(limits_.tokens_per_minute) + " tokens per minute)";
    d.retry_in = wait_for_refill(tokens_, token_cost);
  } else if (queue_.front() != ticket) {
    // Capacity is free but an earlier caller takes it first; its grant wakes us.
    d.retry_in = kPollInterval;
  } else {
    d.granted = true;
    ++in_flight_;
    if (requests_.enabled()) requests_.level -= 1.0;
    if (tokens_.enabled()) tokens_.level -= static_cast<double>(tokens);
    queue_.pop_front();
  }
  return d;
}

RateLimiter::Permit RateLimiter::acquire(int64_t tokens, const CallControl& control,
                                         const std::function<void(const std::string&)>& on_wait) {
  std::unique_lock lock(mutex_);
  const uint64_t ticket = next_ticket_++;
  queue_.push_back(ticket);
  std::string last_reason;
  try {
    for (;;) {
      const Decision d = try_acquire_locked(ticket, tokens);
      if (d.granted) {
        ++generation_;
        lock.unlock();
        changed_.notify_all();  // the next in line may go now
        return Permit(this, tokens);
      }
      const uint64_t seen = generation_;
      lock.unlock();
      if (!d.reason.empty() && d.reason != last_reason) {
        last_reason = d.reason;
        on_wait(d.reason);
      }
      if (control.stop_requested())
        throw LlmError(LlmError::Kind::cancelled, "call cancelled while waiting for LLM capacity");
      lock.lock();
      changed_.wait_for(lock, std::min(d.retry_in, kPollInterval), [&] { return generation_ != seen; });
    }
  } catch (...) {
    if (!lock.owns_lock()) lock.lock();
    queue_.erase(std::remove(queue_.begin(), queue_.end(), ticket), queue_.end());
    ++generation_;
    lock.unlock();
    changed_.notify_all();
    throw;
  }
}

void RateLimiter::release() {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
    ++generation_;
  }
  changed_.notify_all();
}

void RateLimiter::settle(int64_t charged, int64_t actual) {
  {
    std::lock_guard lock(mutex_);
    if (tokens_.enabled()) tokens_.level -= static_cast<double>(actual - charged);
    ++generation_;
  }
  changed_.notify_all();
}

}  // namespace agentry::llm
