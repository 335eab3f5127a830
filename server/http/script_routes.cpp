// GET /api/v1/pipelines, /api/v1/agents, /api/v1/scripts; POST /api/v1/scripts/reload.
#include "server/http/routes.h"

namespace agentry::server {
namespace {

using nlohmann::json;

json problem_list(const std::vector<lua::ScriptProblem>& problems, bool warnings) {
  json list = json::array();
  for (const auto& p : problems)
    if (p.warning == warnings) list.push_back(p.to_string());
  return list;
}

json version_of(const std::shared_ptr<const lua::ScriptSnapshot>& scripts) {
  return scripts ? json(scripts->version) : json(nullptr);
}

Reply list_pipelines(RouteContext& ctx) {
  const auto scripts = ctx.services.registry.current();
  json list = json::array();
  if (scripts)
    for (const auto& [name, p] : scripts->pipelines)
      list.push_back({{"name", name},
                      {"title", p.title},
                      {"steps", p.steps},
                      {"total_steps", p.total_steps},
                      {"kind", p.function_form ? "function" : "steps"}});
  return Reply::of_json(200, {{"pipelines", std::move(list)}, {"version", version_of(scripts)}});
}

Reply list_agents(RouteContext& ctx) {
  const auto scripts = ctx.services.registry.current();
  json list = json::array();
  if (scripts)
    for (const auto& [name, a] : scripts->agents)
      list.push_back({{"name", name},
                      {"title", a.title},
                      {"phase", a.phase},
                      {"model", a.model},
                      {"output", a.required_outputs},
                      {"file", a.chunk ? a.chunk->file : ""}});
  return Reply::of_json(200, {{"agents", std::move(list)}, {"version", version_of(scripts)}});
}

Reply describe_scripts(RouteContext& ctx) {
  const auto& registry = ctx.services.registry;
  const auto scripts = registry.current();
  json files = json::array();
  if (scripts)
    for (const auto& f : scripts->files)
      files.push_back({{"file", f.file},
                       {"sha256", f.sha256},
                       {"loaded_at", jobs::format_time(f.loaded_at)},
                       {"errors", problem_list(f.problems, false)},
                       {"warnings", problem_list(f.problems, true)}});
  const auto last_attempt = registry.last_attempt();
  return Reply::of_json(
      200, {{"version", version_of(scripts)},
            {"loaded_at", scripts ? json(jobs::format_time(scripts->loaded_at)) : json(nullptr)},
            {"directory", registry.directory().string()},
            {"files", std::move(files)},
            {"errors", problem_list(registry.last_errors(), false)},
            {"warnings", scripts ? problem_list(scripts->warnings, true) : json::array()},
            {"last_reload_at",
             last_attempt.time_since_epoch().count() ? json(jobs::format_time(last_attempt)) : json(nullptr)}});
}

Reply reload_scripts(RouteContext& ctx) {
  const auto result = ctx.services.registry.reload();
  json body = {{"published", result.published},
               {"unchanged", result.unchanged},
               {"version", result.version.empty() ? json(nullptr) : json(result.version)},
               {"errors", problem_list(result.errors, false)},
               {"warnings", problem_list(result.warnings, true)}};
  if (result.errors.empty()) return Reply::of_json(200, std::move(body));
  const std::string kept = result.version.empty() ? "no version is live" : "version " + result.version + " stays live";
  throw ApiError(422, "script_errors",
                 std::to_string(result.errors.size()) +
                     " script error(s), first: " + result.errors.front().to_string() + "; " + kept)
      .with_extra(std::move(body));
}

}  // namespace

void add_script_routes(Router& router, RouteContext& ctx) {
  router.add("GET", "/api/v1/pipelines", Access::read, [&ctx](ApiRequest&) { return list_pipelines(ctx); });
  router.add("GET", "/api/v1/agents", Access::read, [&ctx](ApiRequest&) { return list_agents(ctx); });
  router.add("GET", "/api/v1/scripts", Access::read, [&ctx](ApiRequest&) { return describe_scripts(ctx); });
  router.add("POST", "/api/v1/scripts/reload", Access::admin, [&ctx](ApiRequest&) { return reload_scripts(ctx); });
}

}  // namespace agentry::server
