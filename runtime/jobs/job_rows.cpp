#include "runtime/jobs/job_rows.h"

#include <map>
#include <string_view>

#include "runtime/jobs/statements.h"
#include "runtime/jobs/store.h"

namespace agentry::jobs {
namespace {

nlohmann::json parse_column(const sql::Row& row, size_t column, const std::string& what) {
  if (row.is_null(column)) return nullptr;
  try {
    return nlohmann::json::parse(row.text(column));
  } catch (const nlohmann::json::exception& e) {
    throw StoreError("stored " + what + " is not valid JSON: " + e.what());
  }
}

}  // namespace

Job job_from_row(const sql::Row& r) {
  Job job;
  job.id = r.text(kId);
  job.pipeline = r.text(kPipeline);
  const auto status = parse_status(r.text(kStatus));
  if (!status) throw StoreError("job " + job.id + " has unknown status '" + r.text(kStatus) + "'");
  job.status = *status;
  job.priority = static_cast<int>(r.integer(kPriority));
  if (!r.is_null(kInput)) job.input = parse_column(r, kInput, "input of job " + job.id);
  job.result = parse_column(r, kResult, "result of job " + job.id);
  if (!r.is_null(kErrorReason)) job.error = JobError{r.text(kErrorReason), r.text(kErrorMessage)};
  job.progress = parse_column(r, kProgress, "progress of job " + job.id).get<Progress>();
  job.usage = Usage{r.integer(kLlmCalls), r.integer(kPromptTokens), r.integer(kCompletionTokens)};
  job.retry_count = static_cast<int>(r.integer(kRetryCount));
  job.attempt = static_cast<int>(r.integer(kAttempt));
  job.script_version = r.text(kScriptVersion);
  job.owner = r.text(kOwner);
  job.idempotency_key = r.text(kIdempotencyKey);
  job.worker_id = r.optional_text(kWorkerId);
  job.lease_until = r.optional_time(kLeaseUntil);
  job.created_at = r.time(kCreatedAt);
  job.started_at = r.optional_time(kStartedAt);
  job.completed_at = r.optional_time(kCompletedAt);
  return job;
}

namespace {

using Outputs = std::map<std::string_view, const nlohmann::json*>;  // completed steps' outputs by key

nlohmann::json assemble(const std::string& job_id, const nlohmann::json& recipe, const Outputs& outputs) {
  if (!recipe.is_object()) throw StoreError("stored result of job " + job_id + " names its steps wrongly");
  auto result = nlohmann::json::object();
  for (const auto& [name, part] : recipe.items()) {
    if (part.is_object()) {
      result[name] = assemble(job_id, part, outputs);
      continue;
    }
    const auto output = part.is_string() ? outputs.find(part.get_ref<const std::string&>()) : outputs.end();
    if (output == outputs.end())
      throw StoreError("the result of job " + job_id + " is made of step " + part.dump() + ", which is not stored");
    result[name] = *output->second;
  }
  return result;
}

}  // namespace

nlohmann::json result_from_steps(const std::string& job_id, const std::string& from_steps,
                                 const std::vector<StepRecord>& steps) {
  Outputs outputs;
  for (const auto& step : steps)
    if (step.status == "completed") outputs.emplace(step.key, &step.output);
  return assemble(job_id, nlohmann::json::parse(from_steps, nullptr, false), outputs);
}

Event event_from_row(const sql::Row& r) { return Event{r.integer(0), r.time(1), r.text(2), r.text(3)}; }

StepRecord step_output_from_row(const sql::Row& r) {
  StepRecord s;
  s.key = r.text(0);
  s.output = parse_column(r, 1, "output of step " + s.key);
  return s;
}

StepRecord step_from_row(const sql::Row& r) {
  StepRecord s;
  s.key = r.text(0);
  s.agent = r.text(1);
  s.status = r.text(2);
  s.output = parse_column(r, 3, "output of step " + s.key);
  s.raw_reply = r.text(4);
  s.error = r.text(5);
  s.usage = Usage{r.integer(6), r.integer(7), r.integer(8)};
  s.attempts = static_cast<int>(r.integer(9));
  s.retries = static_cast<int>(r.integer(10));
  s.started_at = r.time(11);
  s.finished_at = r.time(12);
  return s;
}

std::string clip(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  // Long texts say how much was cut; the marker (at most 37 bytes) fits in
  // the room left for it. Short fields (names) are just cut.
  constexpr size_t kMarkerRoom = 40;
  const bool mark = max_bytes > 2 * kMarkerRoom;
  size_t cut = mark ? max_bytes - kMarkerRoom : max_bytes;
  // Back up over UTF-8 continuation bytes (10xxxxxx) to a character start.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  const size_t dropped = s.size() - cut;
  s.resize(cut);
  if (mark) s += " [... " + std::to_string(dropped) + " bytes cut]";
  return s;
}

}  // namespace agentry::jobs
