// Maps (method, path) to a route. Patterns are paths whose `{name}` segments
// match one segment and whose last segment may be `{name*}` (the rest of the
// path). The pattern, not the raw path, names the route in logs and metrics,
// so job ids never become metric labels.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/api_request.h"
#include "server/http/auth.h"
#include "server/http/reply.h"

namespace agentry::server {

using Handler = std::function<Reply(ApiRequest&)>;

struct RouteMatch {
  const Handler* handler = nullptr;  // null: no route for this method
  Access access = Access::open;      // what the matched route asks of its caller
  std::string route;                 // the pattern; empty when no pattern matched the path
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;  // methods the path has (for 405 and OPTIONS)
};

class Router {
 public:
  // `access`: who may call the route (auth.h); checked before the handler runs.
  void add(std::string method, std::string pattern, Access access, Handler handler);
  RouteMatch match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Access access;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// "/a//b/" -> {"a", "b"}.
std::vector<std::string> split_path(std::string_view path);

}  // namespace agentry::server
