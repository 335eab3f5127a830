#include "server/http/http_errors.h"

namespace agentry::server {

nlohmann::json error_body(std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

ApiError not_found(const std::string& message) { return ApiError(404, "not_found", message); }

ApiError invalid_field(const std::string& message) { return ApiError(422, "invalid_field", message); }

ApiError store_unavailable(const std::string& detail) {
  // The detail names the database problem; a client can only wait and retry.
  return ApiError(503, "store_unavailable", "the job database is unavailable: " + detail)
      .with_header("Retry-After", "5");
}

}  // namespace agentry::server
