#include "runtime/jobs/job.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>

#include "runtime/json/json_writer.h"

namespace agentry::jobs {

TimePoint now_ms() { return std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now()); }

std::string format_time(TimePoint t) {
  const auto ms = t.time_since_epoch().count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::optional<TimePoint> parse_time(std::string_view iso) {
  std::tm tm{};
  int millis = 0;
  std::string s(iso);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &millis) < 6 &&
      std::sscanf(s.c_str(), "%4d-%2d-%2d %2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &millis) < 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t secs = timegm(&tm);
  return TimePoint(std::chrono::milliseconds(static_cast<int64_t>(secs) * 1000 + millis));
}

std::string_view to_string(JobStatus s) {
  switch (s) {
    case JobStatus::pending: return "pending";
    case JobStatus::queued: return "queued";
    case JobStatus::running: return "running";
    case JobStatus::completed: return "completed";
    case JobStatus::failed: return "failed";
    case JobStatus::cancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<JobStatus> parse_status(std::string_view s) {
  for (auto st : {JobStatus::pending, JobStatus::queued, JobStatus::running, JobStatus::completed, JobStatus::failed,
                  JobStatus::cancelled})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

bool is_finished(JobStatus s) {
  return s == JobStatus::completed || s == JobStatus::failed || s == JobStatus::cancelled;
}

std::string json_text(const nlohmann::json& value) { return json::text(value, json::InvalidUtf8::replace); }

void to_json(nlohmann::json& j, const Usage& u) {
  j = {{"llm_calls", u.llm_calls}, {"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}};
}
void from_json(const nlohmann::json& j, Usage& u) {
  u.llm_calls = j.value("llm_calls", int64_t{0});
  u.prompt_tokens = j.value("prompt_tokens", int64_t{0});
  u.completion_tokens = j.value("completion_tokens", int64_t{0});
}

void to_json(nlohmann::json& j, const Progress& p) {
  j = {{"phase", p.phase},
       {"current_agent", p.current_agent},
       {"completed_steps", p.completed_steps},
       {"total_steps", p.total_steps},
       {"percentage", std::round(p.percentage * 10.0) / 10.0},
       {"message", p.message}};
}
void from_json(const nlohmann::json& j, Progress& p) {
  p.phase = j.value("phase", "");
  p.current_agent = j.value("current_agent", "");
  p.completed_steps = j.value("completed_steps", 0);
  p.total_steps = j.value("total_steps", 0);
  p.percentage = j.value("percentage", 0.0);
  p.message = j.value("message", "");
}

void to_json(nlohmann::json& j, const Event& e) {
  j = {{"timestamp", format_time(e.timestamp)}, {"event", e.event}, {"details", e.details}};
}

void to_json(nlohmann::json& j, const StepRecord& s) {
  j = {{"key", s.key},
       {"agent", s.agent},
       {"status", s.status},
       {"output", s.output},
       {"usage", s.usage},
       {"attempts", s.attempts},
       {"retries", s.retries},
       {"started_at", format_time(s.started_at)},
       {"finished_at", format_time(s.finished_at)},
       {"duration_ms", (s.finished_at - s.started_at).count()}};
  if (!s.error.empty()) j["error"] = s.error;
  if (!s.raw_reply.empty()) j["raw_reply"] = s.raw_reply;
}

nlohmann::json job_document(const Job& job, bool include_input, bool include_steps) {
  using nlohmann::json;
  auto opt_time = [](const std::optional<TimePoint>& t) { return t ? json(format_time(*t)) : json(nullptr); };
  json doc = {
      {"id", job.id},
      {"pipeline", job.pipeline},
      {"status", to_string(job.status)},
      {"priority", job.priority},
      {"queue_position", job.queue_position ? json(*job.queue_position) : json(nullptr)},
      {"attempt", job.attempt},
      {"retry_count", job.retry_count},
      {"progress", job.progress},
      {"result", job.result},
      {"error", job.error ? json{{"reason", job.error->reason}, {"message", job.error->message}} : json(nullptr)},
      {"usage", job.usage},
      {"script_version", job.script_version},
      {"created_at", format_time(job.created_at)},
      {"started_at", opt_time(job.started_at)},
      {"completed_at", opt_time(job.completed_at)},
      {"execution_log", job.execution_log},
  };
  if (include_input) doc["input"] = job.input;
  if (include_steps) doc["steps"] = job.steps;
  return doc;
}

std::string new_job_id() {
  // Time-ordered, then random: 48 bits of milliseconds and a 16-bit sequence
  // that is strictly increasing in this process, then 64 random bits. Queues
  // order by (priority, created_at, id), so jobs created in the same
  // millisecond still start in the order they were created; the random half
  // keeps ids unguessable.
  static std::atomic<uint64_t> last{0};
  const auto ms = static_cast<uint64_t>(now_ms().time_since_epoch().count());
  uint64_t prev = last.load();
  uint64_t next;
  do {
    next = std::max(ms << 16, prev + 1);
  } while (!last.compare_exchange_weak(prev, next));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(next),
                static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace agentry::jobs
