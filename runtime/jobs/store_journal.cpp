// The engine's JobJournal over the store: each call is the store's fenced
// write under the worker's lease.
#include <mutex>
#include <set>

#include "runtime/jobs/store.h"

namespace agentry::jobs {
namespace {

class StoreJournal final : public JobJournal {
 public:
  StoreJournal(JobStore& store, Lease lease) : store_(store), lease_(std::move(lease)) {}

  std::optional<StepRecord> find_step(const std::string& key) override {
    // A job's first attempt has no steps in the store but those it wrote
    // itself, so it skips the two reads per step (a fifth of a step's store
    // work on MySQL); a cancel or lost lease then shows at the step's next write.
    if (lease_.attempt == 1 && !wrote(key)) return std::nullopt;
    return store_.find_step(lease_, key);
  }
  void checkpoint(const StepRecord& step, const Progress& progress, const JobTotals& totals,
                  const std::vector<Event>& events) override {
    store_.checkpoint(lease_, step, progress, totals, events);
    std::lock_guard lock(mutex_);
    written_.insert(step.key);
  }
  void progress(const Progress& progress, const JobTotals& totals, const std::vector<Event>& events) override {
    store_.progress(lease_, progress, totals, events);
  }
  void log(const Event& event) override { store_.log(lease_, {event}); }

 private:
  bool wrote(const std::string& key) {
    std::lock_guard lock(mutex_);
    return written_.count(key) > 0;
  }

  JobStore& store_;
  const Lease lease_;
  std::mutex mutex_;
  std::set<std::string> written_;  // step keys checkpointed by this attempt
};

}  // namespace

std::unique_ptr<JobJournal> make_store_journal(JobStore& store, Lease lease) {
  return std::make_unique<StoreJournal>(store, std::move(lease));
}

}  // namespace agentry::jobs
