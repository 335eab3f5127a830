#include "runtime/jobs/outage.h"

#include <algorithm>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

namespace agentry::jobs {

void retry_through_outage(const OutagePolicy& policy, std::string_view what, const std::function<void()>& write) {
  using Clock = std::chrono::steady_clock;
  constexpr std::chrono::milliseconds kLongestPause{2'000};
  std::optional<Clock::time_point> first_failure;
  std::chrono::milliseconds pause{50};
  while (true) {
    try {
      write();
      if (first_failure)
        spdlog::info("{} written after the database was unavailable for {} ms", what,
                     std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *first_failure).count());
      return;
    } catch (const StoreUnavailable& e) {
      const auto now = Clock::now();
      if (!first_failure) {
        first_failure = now;
        spdlog::warn("{} not written, trying again for up to {:.1f} s: {}", what,
                     static_cast<double>(policy.patience.count()) / 1000.0, e.what());
      }
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*first_failure + policy.patience - now);
      if (left <= std::chrono::milliseconds::zero()) throw;
      const auto nap = std::min(pause, left);
      if (policy.wait) {
        if (!policy.wait(nap)) throw;
      } else {
        std::this_thread::sleep_for(nap);
      }
      pause = std::min(pause * 2, kLongestPause);
    }
  }
}

}  // namespace agentry::jobs
