#include "runtime/metrics/cpu_by_part.h"

#include <time.h>

#include <atomic>

namespace agentry::metrics {

namespace {

// Nanoseconds per part; integers, so that adding is one lock-free fetch_add.
std::atomic<uint64_t> part_ns[kCpuParts];

// The part this thread is counting for (-1: none) and since when.
thread_local int current_part = -1;
thread_local uint64_t current_since = 0;

uint64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Charges the time since the last switch to the current part, then counts
// for `part` from now on.
void switch_to(int part) {
  const uint64_t now = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  if (current_part >= 0 && now > current_since)
    part_ns[current_part].fetch_add(now - current_since, std::memory_order_relaxed);
  current_part = part;
  current_since = now;
}

}  // namespace

// A scope inside one of its own part (llm.chat's around LlmClient::chat)
// changes nothing: it reads no clock.
CpuScope::CpuScope(CpuPart part) : outer_(current_part), switched_(current_part != static_cast<int>(part)) {
  if (switched_) switch_to(static_cast<int>(part));
}

CpuScope::~CpuScope() {
  if (switched_) switch_to(outer_);
}

double cpu_seconds(CpuPart part) {
  return static_cast<double>(part_ns[static_cast<int>(part)].load(std::memory_order_relaxed)) / 1e9;
}

double process_cpu_seconds() { return static_cast<double>(clock_ns(CLOCK_PROCESS_CPUTIME_ID)) / 1e9; }

}  // namespace agentry::metrics
