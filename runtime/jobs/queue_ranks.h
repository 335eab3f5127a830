// Queue positions of waiting jobs from one ordered read of the claim index,
// shared by every GET until this process changes which jobs wait (a create,
// claim, cancel or requeue) or `max_age` passes, which bounds how long a
// change made by another process on the same database goes unseen.
//
// With a thousand jobs queued, counting the jobs ahead of each polled job
// was the largest cost of GET /api/v1/jobs/{id} (docs/profile.md); one read
// of the waiting ids now serves every poll until the queue moves.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace agentry::jobs {

class QueueRanks {
 public:
  using Clock = std::chrono::steady_clock;

  // `capacity`: the most waiting jobs one snapshot holds; a job further back
  // has its position counted by the caller.
  QueueRanks(std::chrono::milliseconds max_age, size_t capacity) : max_age_(max_age), capacity_(capacity) {}

  // Read before the database read a snapshot is built from; install() takes
  // it back, so a change that committed after it leaves the snapshot stale.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // Called after a change to which jobs wait has committed.
  void changed() { version_.fetch_add(1, std::memory_order_acq_rel); }

  // The 1-based position of `id`, when a current snapshot holds it.
  std::optional<int64_t> find(const std::string& id) const;

  // True when the caller should read the waiting ids and install() them:
  // no current snapshot, and no other caller is already reading.
  bool begin_refresh();
  // `ids` in claim order (at most capacity()); `version` as read before them.
  void install(uint64_t version, const std::vector<std::string>& ids);
  // Ends a begin_refresh() whose read failed.
  void abandon_refresh();

  size_t capacity() const { return capacity_; }

 private:
  struct Snapshot {
    uint64_t version = 0;
    Clock::time_point taken;
    std::unordered_map<std::string, int64_t> rank;
  };
  bool current(const Snapshot& s) const;

  const std::chrono::milliseconds max_age_;
  const size_t capacity_;
  std::atomic<uint64_t> version_{1};
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
  bool refreshing_ = false;
  Clock::time_point refresh_started_;
};

}  // namespace agentry::jobs
