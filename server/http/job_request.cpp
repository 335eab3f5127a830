#include "server/http/job_request.h"

#include <limits>

#include "server/http/http_errors.h"

namespace agentry::server {
namespace {

constexpr size_t kMaxIdempotencyKey = 255;
constexpr size_t kMaxPipelineName = 128;

std::string known_pipelines(const lua::ScriptSnapshot& scripts) {
  std::string names;
  for (const auto& name : scripts.pipeline_names()) names += (names.empty() ? "" : ", ") + name;
  return names.empty() ? "(none loaded)" : names;
}

std::string idempotency_key(const std::string& key) {
  if (key.empty() || key.size() > kMaxIdempotencyKey)
    throw invalid_field("idempotency_key must be 1.." + std::to_string(kMaxIdempotencyKey) + " bytes long");
  return key;
}

}  // namespace

jobs::NewJob parse_new_job(const nlohmann::json& body, const std::optional<std::string>& idempotency_header,
                           const lua::ScriptSnapshot& scripts) {
  if (!body.is_object()) throw ApiError(400, "invalid_json", "the request body must be a JSON object");
  for (const auto& [key, value] : body.items())
    if (key != "pipeline" && key != "input" && key != "priority" && key != "idempotency_key")
      throw invalid_field("unknown field '" + key.substr(0, 64) +
                          "'; a job takes pipeline, input, priority and idempotency_key");

  jobs::NewJob job;
  const auto pipeline = body.find("pipeline");
  if (pipeline == body.end() || pipeline->is_null())
    throw invalid_field("pipeline is required: the name of a pipeline (" + known_pipelines(scripts) + ")");
  if (!pipeline->is_string()) throw invalid_field("pipeline must be a string");
  job.pipeline = pipeline->get<std::string>();
  if (job.pipeline.size() > kMaxPipelineName || !scripts.find_pipeline(job.pipeline))
    throw ApiError(422, "unknown_pipeline",
                   "no pipeline named '" + job.pipeline.substr(0, kMaxPipelineName) +
                       "'; known pipelines: " + known_pipelines(scripts));

  if (const auto input = body.find("input"); input != body.end() && !input->is_null()) {
    if (!input->is_object()) throw invalid_field("input must be a JSON object");
    job.input = *input;
  }

  if (const auto priority = body.find("priority"); priority != body.end() && !priority->is_null()) {
    if (!priority->is_number_integer()) throw invalid_field("priority must be an integer (lower runs first)");
    // Positive numbers parse as unsigned, negative ones as signed.
    const bool in_range = priority->is_number_unsigned()
                              ? priority->get<uint64_t>() <= uint64_t{std::numeric_limits<int>::max()}
                              : priority->get<int64_t>() >= std::numeric_limits<int>::min();
    if (!in_range) throw invalid_field("priority is out of range");
    job.priority = priority->get<int>();
  }

  if (const auto key = body.find("idempotency_key"); key != body.end() && !key->is_null()) {
    if (!key->is_string()) throw invalid_field("idempotency_key must be a string");
    job.idempotency_key = idempotency_key(key->get<std::string>());
  } else if (idempotency_header) {
    job.idempotency_key = idempotency_key(*idempotency_header);
  }
  return job;
}

}  // namespace agentry::server
