#include "runtime/jobs/queue_ranks.h"

namespace agentry::jobs {

bool QueueRanks::current(const Snapshot& s) const {
  return s.version == version() && Clock::now() - s.taken < max_age_;
}

std::optional<int64_t> QueueRanks::find(const std::string& id) const {
  std::shared_ptr<const Snapshot> s;
  {
    std::lock_guard lock(mutex_);
    s = snapshot_;
  }
  if (!s || !current(*s)) return std::nullopt;
  auto it = s->rank.find(id);
  if (it == s->rank.end()) return std::nullopt;
  return it->second;
}

bool QueueRanks::begin_refresh() {
  std::lock_guard lock(mutex_);
  if (refreshing_ || (snapshot_ && current(*snapshot_))) return false;
  refreshing_ = true;
  refresh_started_ = Clock::now();
  return true;
}

void QueueRanks::install(uint64_t version, const std::vector<std::string>& ids) {
  auto s = std::make_shared<Snapshot>();
  s->version = version;
  s->rank.reserve(ids.size());
  int64_t position = 0;
  for (const auto& id : ids) s->rank.emplace(id, ++position);
  std::lock_guard lock(mutex_);
  s->taken = refresh_started_;  // aged from before the read, not after it
  snapshot_ = std::move(s);
  refreshing_ = false;
}

void QueueRanks::abandon_refresh() {
  std::lock_guard lock(mutex_);
  refreshing_ = false;
}

}  // namespace agentry::jobs
