#include "server/http/cors.h"

#include <algorithm>

namespace agentry::server {

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  return std::any_of(origins_.begin(), origins_.end(), [&](const std::string& o) { return o == "*" || o == origin; });
}

Headers CorsPolicy::response_headers(std::string_view origin) const {
  if (!allows(origin)) return {};
  const bool any = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
  Headers headers{{"Access-Control-Allow-Origin", any ? "*" : std::string(origin)},
                  {"Access-Control-Expose-Headers", "Location, X-Request-Id, Retry-After"}};
  // A reply that depends on the Origin must not be served from a cache to another origin.
  if (!any) headers.emplace_back("Vary", "Origin");
  return headers;
}

Headers CorsPolicy::preflight_headers(std::string_view origin, const std::vector<std::string>& methods) const {
  if (!allows(origin)) return {};
  std::string allowed;
  for (const auto& m : methods) allowed += (allowed.empty() ? "" : ", ") + m;
  return {{"Access-Control-Allow-Methods", allowed},
          {"Access-Control-Allow-Headers", "Content-Type, Authorization, Last-Event-ID, Idempotency-Key, X-Request-Id"},
          {"Access-Control-Max-Age", "600"}};
}

}  // namespace agentry::server
