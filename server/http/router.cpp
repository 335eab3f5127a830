#include "server/http/router.h"

#include <algorithm>
#include <optional>

namespace agentry::server {
namespace {

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool is_rest_param(const std::string& segment) { return is_param(segment) && segment[segment.size() - 2] == '*'; }

std::string param_name(const std::string& segment) {
  return segment.substr(1, segment.size() - (is_rest_param(segment) ? 3 : 2));
}

std::optional<std::map<std::string, std::string>> match_segments(const std::vector<std::string>& pattern,
                                                                 const std::vector<std::string>& path) {
  std::map<std::string, std::string> params;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_rest_param(pattern[i])) {
      if (i >= path.size()) return std::nullopt;
      std::string rest = path[i];
      for (size_t j = i + 1; j < path.size(); ++j) rest += "/" + path[j];
      params[param_name(pattern[i])] = rest;
      return params;
    }
    if (i >= path.size()) return std::nullopt;
    if (is_param(pattern[i]))
      params[param_name(pattern[i])] = path[i];
    else if (pattern[i] != path[i])
      return std::nullopt;
  }
  if (pattern.size() != path.size()) return std::nullopt;
  return params;
}

}  // namespace

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    if (slash > start) segments.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

void Router::add(std::string method, std::string pattern, Access access, Handler handler) {
  auto segments = split_path(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), access, std::move(handler)});
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  const auto segments = split_path(path);
  RouteMatch result;
  for (const auto& route : routes_) {
    auto params = match_segments(route.segments, segments);
    if (!params) continue;
    if (std::find(result.allowed.begin(), result.allowed.end(), route.method) == result.allowed.end())
      result.allowed.push_back(route.method);
    if (result.route.empty()) result.route = route.pattern;
    if (route.method == method && !result.handler) {
      result.handler = &route.handler;
      result.access = route.access;
      result.route = route.pattern;
      result.params = std::move(*params);
    }
  }
  return result;
}

}  // namespace agentry::server
