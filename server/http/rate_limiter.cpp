#include "server/http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace agentry::server {

std::optional<std::chrono::seconds> RateLimiter::take(const std::string& key, int rate_per_minute, int burst,
                                                      Clock::time_point now) {
  if (rate_per_minute <= 0) return std::nullopt;
  const double capacity = std::max(burst, 1);
  const double per_second = rate_per_minute / 60.0;
  std::lock_guard lock(mutex_);
  // Keys are configured token names, so the map stays as small as the tokens file.
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{capacity, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.units = std::min(capacity, b.units + std::max(0.0, elapsed) * per_second);
    b.updated = now;
  }
  if (b.units >= 1.0) {
    b.units -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.units) / per_second;
  return std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait))));
}

}  // namespace agentry::server
