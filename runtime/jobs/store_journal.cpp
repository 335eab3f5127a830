// The engine's JobJournal over the store: each call is the store's fenced
// write under the worker's lease.
#include "runtime/jobs/store.h"

namespace agentry::jobs {
namespace {

class StoreJournal final : public JobJournal {
 public:
  StoreJournal(JobStore& store, Lease lease) : store_(store), lease_(std::move(lease)) {}

  std::optional<StepRecord> find_step(const std::string& key) override { return store_.find_step(lease_, key); }
  void checkpoint(const StepRecord& step, const Progress& progress, const JobTotals& totals,
                  const std::vector<Event>& events) override {
    store_.checkpoint(lease_, step, progress, totals, events);
  }
  void progress(const Progress& progress, const JobTotals& totals, const std::vector<Event>& events) override {
    store_.progress(lease_, progress, totals, events);
  }
  void log(const Event& event) override { store_.log(lease_, {event}); }

 private:
  JobStore& store_;
  const Lease lease_;
};

}  // namespace

std::unique_ptr<JobJournal> make_store_journal(JobStore& store, Lease lease) {
  return std::make_unique<StoreJournal>(store, std::move(lease));
}

}  // namespace agentry::jobs
