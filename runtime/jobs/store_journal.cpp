// The engine's JobJournal over the store: each call is the store's fenced
// write under the worker's lease, tried again through a database outage.
#include <mutex>
#include <set>

#include "runtime/jobs/store.h"

namespace agentry::jobs {
namespace {

class StoreJournal final : public JobJournal {
 public:
  StoreJournal(JobStore& store, Lease lease, OutagePolicy outage)
      : store_(store), lease_(std::move(lease)), outage_(std::move(outage)) {}

  std::optional<StepRecord> find_step(const std::string& key) override {
    // A job's first attempt has no steps in the store but those it wrote
    // itself, so it skips the two reads per step (a fifth of a step's store
    // work on MySQL); a cancel or lost lease then shows at the step's next write.
    if (lease_.attempt == 1 && !wrote(key)) return std::nullopt;
    std::optional<StepRecord> found;
    through_outage("step lookup", [&] { found = store_.find_step(lease_, key); });
    return found;
  }
  void checkpoint(const StepRecord& step, const Progress& progress, const JobTotals& totals,
                  const std::vector<Event>& events) override {
    bool may_have_landed = false;
    through_outage("checkpoint", [&] {
      // Written again, a step that did land would log its events twice.
      if (may_have_landed && store_.find_step(lease_, step.key)) return;
      try {
        store_.checkpoint(lease_, step, progress, totals, events);
      } catch (const CommitUnknown&) {
        may_have_landed = true;
        throw;
      }
    });
    std::lock_guard lock(mutex_);
    written_.insert(step.key);
  }
  void progress(const Progress& progress, const JobTotals& totals, const std::vector<Event>& events) override {
    through_outage("progress", [&] { store_.progress(lease_, progress, totals, events); });
  }
  void log(const Event& event) override {
    through_outage("log entry", [&] { store_.log(lease_, {event}); });
  }

 private:
  // A write the database stayed unavailable for ends the job's run here as a
  // lost lease would: it is resumed at this step once its lease runs out.
  void through_outage(std::string_view what, const std::function<void()>& write) {
    try {
      retry_through_outage(outage_, what, write);
    } catch (const StoreUnavailable& e) {
      throw LeaseLost(std::string(what) + " not written before the lease ran out: " + e.what());
    }
  }

  bool wrote(const std::string& key) {
    std::lock_guard lock(mutex_);
    return written_.count(key) > 0;
  }

  JobStore& store_;
  const Lease lease_;
  const OutagePolicy outage_;
  std::mutex mutex_;
  std::set<std::string> written_;  // step keys checkpointed by this attempt
};

}  // namespace

std::unique_ptr<JobJournal> make_store_journal(JobStore& store, Lease lease, OutagePolicy outage) {
  return std::make_unique<StoreJournal>(store, std::move(lease), std::move(outage));
}

}  // namespace agentry::jobs
