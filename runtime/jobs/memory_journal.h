// A journal kept in memory: what `agentry run` and the engine's tests write
// to. Optionally tells an observer about every change (the CLI prints them).
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>

#include "runtime/jobs/journal.h"

namespace agentry::jobs {

class MemoryJournal final : public JobJournal {
 public:
  using Observer = std::function<void(const Progress&, const std::vector<Event>&)>;
  explicit MemoryJournal(Observer observer = {}) : observer_(std::move(observer)) {}

  std::optional<StepRecord> find_step(const std::string& key) override;
  void checkpoint(const StepRecord& step, const Progress& progress, const JobTotals& totals,
                  const std::vector<Event>& events) override;
  void progress(const Progress& progress, const JobTotals& totals, const std::vector<Event>& events) override;
  void log(const Event& event) override;

  // Snapshots for reading (copies).
  std::vector<Event> events() const;
  std::vector<Progress> progress_history() const;
  std::map<std::string, StepRecord> steps() const;
  JobTotals totals() const;
  // Drops steps so a test can simulate a partly checkpointed job.
  void keep_steps_only(const std::function<bool(const StepRecord&)>& keep);

 private:
  void append(const std::vector<Event>& events);
  mutable std::mutex mutex_;
  Observer observer_;
  std::map<std::string, StepRecord> steps_;
  std::vector<Event> events_;
  std::vector<Progress> progress_;
  JobTotals totals_;
};

}  // namespace agentry::jobs
