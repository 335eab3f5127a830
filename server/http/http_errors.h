// The API's one error shape, {"error": {"code": "...", "message": "..."}},
// and the exception a route throws to answer with it. Codes are stable
// strings frontends switch on (docs/api.md lists them); messages are
// sentences a person can act on.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentry::server {

using Headers = std::vector<std::pair<std::string, std::string>>;

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  // Extra response headers (Allow on 405, Retry-After on 503).
  const Headers& headers() const { return headers_; }
  ApiError& with_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  // Fields merged into the body next to "error" (e.g. a reload's problems).
  const nlohmann::json& extra() const { return extra_; }
  ApiError& with_extra(nlohmann::json extra) {
    extra_ = std::move(extra);
    return *this;
  }

 private:
  int status_;
  std::string code_;
  Headers headers_;
  nlohmann::json extra_ = nlohmann::json::object();
};

nlohmann::json error_body(std::string_view code, std::string_view message);

// The errors more than one route raises.
ApiError not_found(const std::string& message);
ApiError invalid_field(const std::string& message);
ApiError store_unavailable(const std::string& detail);

}  // namespace agentry::server
