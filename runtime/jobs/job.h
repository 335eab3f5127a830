// The job model shared by the engine, the store and the API: statuses, progress,
// steps (per-agent checkpoints), events (the execution log) and the job
// document frontends read (DESIGN.md, "Job document"). Plain values, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentry::jobs {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::milliseconds>;

TimePoint now_ms();
// ISO-8601 UTC with milliseconds: "2026-11-24T10:00:00.123Z".
std::string format_time(TimePoint t);
std::optional<TimePoint> parse_time(std::string_view iso);

enum class JobStatus { pending, queued, running, completed, failed, cancelled };

std::string_view to_string(JobStatus s);
std::optional<JobStatus> parse_status(std::string_view s);
bool is_finished(JobStatus s);

// Token and call counters; summed per call, per step and per job.
struct Usage {
  int64_t llm_calls = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;

  Usage& operator+=(const Usage& o) {
    llm_calls += o.llm_calls;
    prompt_tokens += o.prompt_tokens;
    completion_tokens += o.completion_tokens;
    return *this;
  }
  friend bool operator==(const Usage&, const Usage&) = default;
};
void to_json(nlohmann::json& j, const Usage& u);
void from_json(const nlohmann::json& j, Usage& u);

struct Progress {
  std::string phase;
  std::string current_agent;
  int completed_steps = 0;
  int total_steps = 0;
  double percentage = 0.0;  // 0..100, one decimal
  std::string message;
};
void to_json(nlohmann::json& j, const Progress& p);
void from_json(const nlohmann::json& j, Progress& p);

// One line of the execution log. `event` is one of DESIGN.md's names
// (created, queued, started, agent_started, agent_completed, retry, resumed,
// completed, failed, timeout, cancelled) or a script's own via job.log.
struct Event {
  int64_t seq = 0;  // assigned by the store; monotonic per job (SSE id)
  TimePoint timestamp{};
  std::string event;
  std::string details;
};
void to_json(nlohmann::json& j, const Event& e);

// A durable step: one run_agent call's checkpoint. `key` identifies the call
// deterministically within the job ("0003" for the third top-level step,
// "0007/02/01" for the first run_agent of item 2 of a parallel.map), so a
// resumed job replays it instead of calling the LLM again.
struct StepRecord {
  std::string key;
  std::string agent;
  std::string status = "completed";  // completed | failed
  // The agent's output: as a tree, or as the text json_text writes when the
  // writer already has that (a worker's checkpoint: the store wants text, so
  // no tree is built). Null output and empty text: no output (failed step).
  nlohmann::json output;
  std::string output_text;
  std::string raw_reply;  // kept when the reply could not be parsed
  std::string error;
  Usage usage;
  int attempts = 1;  // LLM calls made, re-asks included
  int retries = 0;   // transient-error retries
  TimePoint started_at{};
  TimePoint finished_at{};
};
void to_json(nlohmann::json& j, const StepRecord& s);

// A completed job's result as JobStore::complete() stores it. A step pipeline's result
// is its steps' outputs, which the store holds already: `from_steps` names
// them instead of a second copy (half a full plan's bytes, written again in
// the busiest transaction), and reads put the result together from them.
// Built by name only, so a braced JSON value never turns into one.
class JobResult {
 public:
  // The result as json_text writes it.
  static JobResult text(std::string json) { return JobResult(Made{}, std::move(json), {}); }
  // A JSON object: each result key to the key of the step whose output it
  // is, or to such an object for a nested pipeline's result.
  static JobResult made_of_steps(std::string from_steps) { return JobResult(Made{}, {}, std::move(from_steps)); }

  const std::string& json() const { return json_; }              // empty when made of steps
  const std::string& from_steps() const { return from_steps_; }  // empty when given as text

 private:
  struct Made {};
  JobResult(Made, std::string json, std::string from_steps)
      : json_(std::move(json)), from_steps_(std::move(from_steps)) {}
  std::string json_;
  std::string from_steps_;
};

// JSON as the store writes it to a column. Invalid UTF-8 (a script's bytes)
// becomes U+FFFD instead of failing the write.
std::string json_text(const nlohmann::json& value);

struct JobError {
  std::string reason;  // timeout | llm_error | script_error | cancelled | lease_lost | ...
  std::string message;
};

// The whole job as stored and as returned by GET /api/v1/jobs/{id}.
struct Job {
  std::string id;
  std::string pipeline;
  JobStatus status = JobStatus::pending;
  int priority = 0;
  std::optional<int64_t> queue_position;
  int attempt = 0;
  int retry_count = 0;
  Progress progress;
  nlohmann::json input = nlohmann::json::object();
  nlohmann::json result;  // null until completed
  std::optional<JobError> error;
  Usage usage;
  std::string script_version;
  std::string owner;
  std::string idempotency_key;
  std::optional<std::string> worker_id;
  std::optional<TimePoint> lease_until;
  TimePoint created_at{};
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> completed_at;
  std::vector<Event> execution_log;
  std::vector<StepRecord> steps;
};

// The DESIGN.md job document. `input` and `steps` are included only when asked,
// the execution log whenever it was loaded.
nlohmann::json job_document(const Job& job, bool include_input = false, bool include_steps = false);

std::string new_job_id();

}  // namespace agentry::jobs
