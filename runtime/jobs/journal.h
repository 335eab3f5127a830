// What a running job writes while it runs: step checkpoints, progress and log
// events. The engine (runtime/lua) writes through this interface only; the
// store-backed implementation fences every write by the job's lease, the
// in-memory one backs `agentry run`.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/jobs/job.h"

namespace agentry::jobs {

// Running totals the engine keeps for the job document while it runs.
struct JobTotals {
  Usage usage;
  int retry_count = 0;
};

// Thrown by a journal write when the worker no longer holds the job's lease
// (the job was rescued and given to another worker, or cancelled): the engine
// stops the job at once and writes nothing more.
class LeaseLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A finished step and the events written with it: what a checkpoint stores
// besides the job's progress. The engine can hand a job's last one to the
// job's final write instead (lua::RunOptions::hold_checkpoints).
struct StepCheckpoint {
  StepRecord step;
  std::vector<Event> events;
};

class JobJournal {
 public:
  virtual ~JobJournal() = default;

  // The checkpoint of an earlier attempt for this step key, if one completed.
  virtual std::optional<StepRecord> find_step(const std::string& key) = 0;

  // Stores a finished step together with the progress after it and its events,
  // atomically: after a crash either all of it is there or none of it.
  virtual void checkpoint(const StepRecord& step, const Progress& progress, const JobTotals& totals,
                          const std::vector<Event>& events) = 0;

  // Progress (and optional events) without a step, e.g. job.progress().
  virtual void progress(const Progress& progress, const JobTotals& totals, const std::vector<Event>& events) = 0;

  // One log line (agent_started, retry, a script's job.log(...)).
  virtual void log(const Event& event) = 0;
};

// Writes nowhere: for running script code whose effects nobody keeps
// (loading scripts, measuring a state).
class NullJournal final : public JobJournal {
 public:
  std::optional<StepRecord> find_step(const std::string&) override { return std::nullopt; }
  void checkpoint(const StepRecord&, const Progress&, const JobTotals&, const std::vector<Event>&) override {}
  void progress(const Progress&, const JobTotals&, const std::vector<Event>&) override {}
  void log(const Event&) override {}
};

}  // namespace agentry::jobs
