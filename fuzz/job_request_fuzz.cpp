// libFuzzer target: a POST /api/v1/jobs body through JSON parsing and
// parse_new_job, as the request handler does. The contract is that bad input
// ends in ApiError (a 4xx) and nothing else: any other exception, crash or
// sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "server/http/http_errors.h"
#include "server/http/job_request.h"

namespace {

const agentry::lua::ScriptSnapshot& scripts() {
  static const agentry::lua::ScriptSnapshot snapshot = [] {
    agentry::lua::ScriptSnapshot s;
    for (const char* name : {"training", "nutrition", "full"}) s.pipelines[name].name = name;
    return s;
  }();
  return snapshot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The first line, if short, doubles as an Idempotency-Key header.
  std::optional<std::string> header;
  if (const auto nl = text.find('\n'); nl != std::string::npos && nl < 300) header = text.substr(0, nl);
  const auto body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;  // the handler answers 400 invalid_json
  try {
    const auto job = agentry::server::parse_new_job(body, header, scripts());
    // A accepted job names a loaded pipeline and carries an object input.
    if (!scripts().find_pipeline(job.pipeline) || !job.input.is_object()) __builtin_trap();
  } catch (const agentry::server::ApiError& e) {
    if (e.status() < 400 || e.status() > 499) __builtin_trap();
  }
  return 0;
}
