// Validation of POST /api/v1/jobs bodies: turns the JSON a client sent into
// a NewJob, or throws ApiError naming the field to fix.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/jobs/store.h"
#include "runtime/lua/snapshot.h"

namespace agentry::server {

// `body` must be an object {"pipeline", "input", "priority", "idempotency_key"}:
// pipeline a string naming a pipeline of `scripts`; input an object (missing
// or null: {}); priority an integer (missing: 0); idempotency_key a string of
// 1..255 bytes (missing: the Idempotency-Key header, if any). Other fields are
// refused so that a misspelt one is not silently ignored.
// Throws ApiError 422 invalid_field / unknown_pipeline, 400 invalid_json.
jobs::NewJob parse_new_job(const nlohmann::json& body, const std::optional<std::string>& idempotency_header,
                           const lua::ScriptSnapshot& scripts);

}  // namespace agentry::server
