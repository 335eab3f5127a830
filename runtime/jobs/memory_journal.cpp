#include "runtime/jobs/memory_journal.h"

namespace agentry::jobs {

std::optional<StepRecord> MemoryJournal::find_step(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = steps_.find(key);
  if (it == steps_.end()) return std::nullopt;
  return it->second;
}

void MemoryJournal::append(const std::vector<Event>& events) {
  for (auto e : events) {
    e.seq = static_cast<int64_t>(events_.size()) + 1;
    events_.push_back(std::move(e));
  }
}

void MemoryJournal::checkpoint(const StepRecord& step, const Progress& progress, const JobTotals& totals,
                               const std::vector<Event>& events) {
  {
    std::lock_guard lock(mutex_);
    auto& kept = steps_[step.key] = step;
    // Replays read the tree; a worker's checkpoint brings only the text.
    if (kept.output.is_null() && !kept.output_text.empty()) kept.output = nlohmann::json::parse(kept.output_text);
    progress_.push_back(progress);
    totals_ = totals;
    append(events);
  }
  if (observer_) observer_(progress, events);
}

void MemoryJournal::progress(const Progress& progress, const JobTotals& totals, const std::vector<Event>& events) {
  {
    std::lock_guard lock(mutex_);
    progress_.push_back(progress);
    totals_ = totals;
    append(events);
  }
  if (observer_) observer_(progress, events);
}

void MemoryJournal::log(const Event& event) {
  Progress last;
  {
    std::lock_guard lock(mutex_);
    append({event});
    if (!progress_.empty()) last = progress_.back();
  }
  if (observer_) observer_(last, {event});
}

std::vector<Event> MemoryJournal::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<Progress> MemoryJournal::progress_history() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

std::map<std::string, StepRecord> MemoryJournal::steps() const {
  std::lock_guard lock(mutex_);
  return steps_;
}

JobTotals MemoryJournal::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

void MemoryJournal::keep_steps_only(const std::function<bool(const StepRecord&)>& keep) {
  std::lock_guard lock(mutex_);
  std::erase_if(steps_, [&](const auto& kv) { return !keep(kv.second); });
}

}  // namespace agentry::jobs
