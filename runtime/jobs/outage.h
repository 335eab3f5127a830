// Riding out a database outage. A worker that has just paid for an LLM call
// keeps the step by writing it again once the database is back (a restart, a
// failover), instead of failing the job or leaving the step for the next
// attempt to pay for again.
#pragma once

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string_view>

namespace agentry::jobs {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The database could not be reached, or stayed busy or locked through the
// store's own quick retries (a restart, a failover, a full connection pool):
// the same call may well succeed in a few seconds.
class StoreUnavailable : public StoreError {
 public:
  using StoreError::StoreError;
};

// A StoreUnavailable whose write may have been committed all the same: the
// connection was lost while its COMMIT was on the way.
class CommitUnknown : public StoreUnavailable {
 public:
  using StoreUnavailable::StoreUnavailable;
};

struct OutagePolicy {
  // How long after its first failure a write keeps being tried. Workers use
  // their lease: once it has run out another worker may resume the job.
  std::chrono::milliseconds patience{60'000};
  // Sleeps for the given time and returns false when the job was stopped
  // (cancelled, timed out), so waiting on is pointless. Empty: plain sleep.
  std::function<bool(std::chrono::milliseconds)> wait;
};

// Runs `write`, and runs it again while it throws StoreUnavailable, pausing
// 50 ms, then twice as long each time up to 2 s, until `policy.patience` has
// passed since the first failure or `policy.wait` reports the job stopped;
// then the last StoreUnavailable propagates. `what` names the write in the
// warning logged at the first failure and the note logged when it succeeds.
void retry_through_outage(const OutagePolicy& policy, std::string_view what, const std::function<void()>& write);

}  // namespace agentry::jobs
