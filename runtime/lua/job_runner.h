// Runs one job's pipeline in a fresh sandboxed state built from a script
// snapshot: the engine's entry point. The caller (scheduler or `agentry run`)
// owns the job's lifecycle events (started, completed...) and final status
// write; the runner writes steps, progress and agent events through the journal.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/jobs/journal.h"
#include "runtime/llm/llm_client.h"
#include "runtime/lua/job_control.h"
#include "runtime/lua/sandbox.h"
#include "runtime/lua/snapshot.h"

namespace agentry::lua {

struct JobRequest {
  std::string job_id;
  std::string pipeline;  // the pipeline to run, or empty with `agent` set
  nlohmann::json input = nlohmann::json::object();
  int attempt = 1;
  // Runs this one agent alone instead of a pipeline (`agentry run-agent`);
  // the result is the agent's output.
  std::string agent;
};

struct JobOutcome {
  // completed, failed or cancelled; `lease_lost` means the job is no longer
  // ours and nothing about it may be written.
  jobs::JobStatus status = jobs::JobStatus::failed;
  bool lease_lost = false;
  nlohmann::json result;  // unless RunOptions::result_tree is false
  // A completed job's result as the store takes it: its text, or with
  // RunOptions::result_from_steps the steps it is made of.
  jobs::JobResult stored_result = jobs::JobResult::text("{}");
  std::optional<jobs::JobError> error;
  jobs::JobTotals totals;
  jobs::Progress progress;  // the last progress reported
  // With RunOptions::hold_checkpoints, a completed job's last checkpoint,
  // not written: the caller stores it with the job's completion.
  std::optional<jobs::StepCheckpoint> last_step;
};

struct RunOptions {
  SandboxLimits limits;
  // Called on the job's thread after every finished step (metrics).
  std::function<void(const jobs::StepRecord&)> on_step;
  // Largest step output stored (JSON text), so one agent cannot fill the DB.
  size_t max_output_bytes = 8u << 20;
  // Whether JobOutcome::result is filled; a worker writes stored_result only,
  // and skips building a tree of the whole plan.
  bool result_tree = true;
  // Whether a step pipeline's result goes to stored_result as the steps it
  // is made of instead of as text: for a journal that stores every step
  // (the scheduler's store), which then need not write the plan twice.
  bool result_from_steps = false;
  // Whether a step's checkpoint waits for the job's next write, wait or step
  // (JobHost::checkpoint) and a completed job's last one is handed over in
  // JobOutcome::last_step. The scheduler's completion then stores it: one
  // transaction less per job (the scheduler sets it on MySQL, where each
  // commit waits for an fsync).
  bool hold_checkpoints = false;
};

// Creates a job's sandboxed state exactly as run_job does (libraries,
// sandbox, prelude, primitives) and closes it again; returns the bytes the
// idle state held. For benchmarks and tests of what a state costs.
size_t create_idle_state(const ScriptSnapshot& snapshot, const RunOptions& options = {});

JobOutcome run_job(const ScriptSnapshot& snapshot, llm::LlmClient& llm, jobs::JobJournal& journal, JobControl& control,
                   const JobRequest& request, const RunOptions& options = {});

}  // namespace agentry::lua
