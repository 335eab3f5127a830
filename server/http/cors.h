// Cross-origin access for a dashboard served from another origin: which
// origins may call the API and what a preflight answers. Immutable after
// construction, so shared by every handler thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/http/http_errors.h"

namespace agentry::server {

class CorsPolicy {
 public:
  // Exact origins ("https://dash.example.com") or "*" for any.
  explicit CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}

  bool allows(std::string_view origin) const;
  // Headers for any response to a request from `origin`; none when the
  // origin is absent or not allowed (the browser then blocks the response).
  Headers response_headers(std::string_view origin) const;
  // Extra headers for a preflight (OPTIONS with Access-Control-Request-Method).
  Headers preflight_headers(std::string_view origin, const std::vector<std::string>& methods) const;

 private:
  std::vector<std::string> origins_;
};

}  // namespace agentry::server
