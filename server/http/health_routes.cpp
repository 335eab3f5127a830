// GET /healthz (the process answers) and GET /readyz (it can do its job:
// the database answers, scripts are loaded, it is not draining).
#include "server/http/routes.h"

namespace agentry::server {
namespace {

using nlohmann::json;

Reply readiness(RouteContext& ctx) {
  json checks = json::object();
  std::string failed;
  auto check = [&](const std::string& name, const std::string& problem) {
    checks[name] = problem.empty() ? "ok" : problem;
    if (!problem.empty()) failed += (failed.empty() ? "" : "; ") + name + ": " + problem;
  };
  std::string store_problem;
  try {
    ctx.services.store.ping();
  } catch (const std::exception& e) {
    store_problem = e.what();
  }
  check("store", store_problem);
  check("scripts", ctx.services.registry.current() ? "" : "no valid script set loaded (see GET /api/v1/scripts)");
  check("accepting", ctx.services.accepting() ? "" : "shutting down");
  if (failed.empty()) return Reply::of_json(200, {{"status", "ok"}, {"checks", std::move(checks)}});
  throw ApiError(503, "not_ready", failed).with_extra({{"status", "unavailable"}, {"checks", std::move(checks)}});
}

}  // namespace

void add_health_routes(Router& router, RouteContext& ctx) {
  router.add("GET", "/healthz", Access::open, [](ApiRequest&) { return Reply::of_json(200, {{"status", "ok"}}); });
  router.add("GET", "/readyz", Access::open, [&ctx](ApiRequest&) { return readiness(ctx); });
}

}  // namespace agentry::server
