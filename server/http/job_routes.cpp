// POST/GET /api/v1/jobs, GET/DELETE /api/v1/jobs/{id}, POST /api/v1/jobs/{id}/cancel.
// A job belongs to the owner of the token that created it; a client token
// sees only its owner's jobs, and another owner's job answers 404 exactly
// like a missing one, so ids cannot be probed.
#include <charconv>

#include "server/http/job_request.h"
#include "server/http/routes.h"

namespace agentry::server {
namespace {

using nlohmann::json;

std::string job_path(const std::string& id) { return "/api/v1/jobs/" + id; }

json accepted_body(const jobs::Job& job) {
  return {{"job_id", job.id}, {"status", jobs::to_string(job.status)}, {"links", {{"self", job_path(job.id)}}}};
}

ApiError job_not_found(const std::string& id) { return not_found("no job with id '" + id.substr(0, 64) + "'"); }

}  // namespace

std::optional<jobs::Job> visible_job(RouteContext& ctx, const ApiRequest& req, const std::string& id,
                                     jobs::JobParts parts) {
  auto job = ctx.services.store.get(id, parts);
  const auto& caller = req.principal();
  if (job && !caller.may_see(job->owner)) return std::nullopt;
  return job;
}

namespace {

void limit_creation_rate(RouteContext& ctx, const Principal& caller) {
  if (caller.name.empty()) return;  // auth off
  if (const auto wait = ctx.creations.take(caller.name, caller.rate_per_minute, caller.burst))
    throw ApiError(429, "rate_limited",
                   "the token '" + caller.name + "' may create " + std::to_string(caller.rate_per_minute) +
                       " jobs a minute (bursts of " + std::to_string(caller.burst) + "); retry in " +
                       std::to_string(wait->count()) + " s")
        .with_header("Retry-After", std::to_string(wait->count()));
}

Reply create_job(RouteContext& ctx, ApiRequest& req) {
  if (!ctx.services.accepting())
    throw ApiError(503, "shutting_down", "this server is shutting down and takes no new jobs; retry shortly")
        .with_header("Retry-After", "5");
  const json body = req.json_body();
  const auto scripts = ctx.services.registry.current();
  if (!scripts)
    throw ApiError(503, "scripts_unavailable", "no scripts are loaded yet; see GET /api/v1/scripts for errors")
        .with_header("Retry-After", "5");
  jobs::NewJob job = parse_new_job(body, req.header("Idempotency-Key"), *scripts);
  job.owner = req.principal().owner;
  limit_creation_rate(ctx, req.principal());
  jobs::CreateResult created;
  try {
    created = ctx.services.store.create(job);
  } catch (const std::invalid_argument& e) {
    throw invalid_field(e.what());
  }
  if (created.created && ctx.services.scheduler) ctx.services.scheduler->notify_new_job();
  // A repeated idempotency key answers 200 with the first job, so a client
  // can tell a replay from a new job; both carry the same body and Location.
  return Reply::of_json(created.created ? 202 : 200, accepted_body(created.job))
      .with_header("Location", job_path(created.job.id));
}

Reply get_job(RouteContext& ctx, ApiRequest& req) {
  const auto& id = req.param("id");
  const jobs::JobParts parts{.input = req.query_flag("input"), .steps = req.query_flag("steps")};
  const bool plain = !parts.input && !parts.steps;  // the document frontends poll
  if (plain) {
    if (auto cached = ctx.documents.find(id)) {
      if (!req.principal().may_see(cached->owner)) throw job_not_found(id);
      const auto now = ctx.services.store.version_of(id);
      if (!now) {
        ctx.documents.forget(id);  // deleted (by another process, or the TTL prune)
        throw job_not_found(id);
      }
      if (auto text = cached->render(*now)) return Reply::of_json_text(200, std::move(*text));
    }
  }
  const auto job = visible_job(ctx, req, id, parts);
  if (!job) throw job_not_found(id);
  auto document = jobs::job_document(*job, parts.input, parts.steps);
  if (!plain || !JobDocuments::keeps(job->status)) return Reply::of_json(200, std::move(document));
  auto text = std::make_shared<const std::string>(dump(document));
  ctx.documents.remember(*job, text);
  return Reply::of_json_text(200, *text);
}

int parse_limit(const std::optional<std::string>& text) {
  if (!text) return 50;
  int limit = 0;
  const auto end = text->data() + text->size();
  if (std::from_chars(text->data(), end, limit).ptr != end || limit < 1 || limit > 500)
    throw invalid_field("limit must be an integer from 1 to 500");
  return limit;
}

Reply list_jobs(RouteContext& ctx, ApiRequest& req) {
  jobs::ListQuery query;
  if (const auto status = req.query("status"); status && !status->empty()) {
    query.status = jobs::parse_status(*status);
    if (!query.status)
      throw invalid_field("status must be one of pending, queued, running, completed, failed, cancelled");
  }
  query.pipeline = req.query("pipeline").value_or("");
  query.limit = parse_limit(req.query("limit"));
  query.cursor = req.query("cursor").value_or("");
  query.with_result = req.query_flag("result");
  if (req.principal().sees_only_own_jobs()) query.owner = req.principal().owner;
  jobs::JobPage page;
  try {
    page = ctx.services.store.list(query);
  } catch (const std::invalid_argument& e) {
    throw invalid_field(e.what());
  }
  json list = json::array();
  for (const auto& job : page.jobs) {
    json doc = jobs::job_document(job);
    // A list never loads logs, and results only on request: leave the keys
    // out rather than show an empty log or a null result of a completed job.
    doc.erase("execution_log");
    if (!query.with_result) doc.erase("result");
    list.push_back(std::move(doc));
  }
  return Reply::of_json(200, {{"jobs", std::move(list)},
                              {"next_cursor", page.next_cursor.empty() ? json(nullptr) : json(page.next_cursor)}});
}

Reply cancel_job(RouteContext& ctx, ApiRequest& req) {
  const auto& id = req.param("id");
  auto& store = ctx.services.store;
  // Owners never change, so checking before cancelling is no race.
  if (req.principal().sees_only_own_jobs() && !visible_job(ctx, req, id, {.input = false})) throw job_not_found(id);
  switch (store.cancel(id)) {
    case jobs::CancelResult::not_found: throw job_not_found(id);
    case jobs::CancelResult::already_finished: {
      const auto job = store.get(id);
      const std::string status = job ? std::string(jobs::to_string(job->status)) : "finished";
      throw ApiError(409, "already_finished", "job " + id + " is already " + status + "; nothing to cancel");
    }
    case jobs::CancelResult::cancelled: break;
  }
  if (ctx.services.scheduler) ctx.services.scheduler->job_cancelled(id);
  const auto job = store.get(id);
  if (!job) throw job_not_found(id);  // deleted in between
  return Reply::of_json(200, jobs::job_document(*job));
}

Reply delete_job(RouteContext& ctx, ApiRequest& req) {
  const auto& id = req.param("id");
  switch (ctx.services.store.remove(id)) {
    case jobs::DeleteResult::not_found: throw job_not_found(id);
    case jobs::DeleteResult::not_finished:
      throw ApiError(409, "not_finished", "job " + id + " has not finished; cancel it first");
    case jobs::DeleteResult::deleted: break;
  }
  ctx.documents.forget(id);
  return Reply::empty(204);
}

}  // namespace

void add_job_routes(Router& router, RouteContext& ctx) {
  router.add("POST", "/api/v1/jobs", Access::write, [&ctx](ApiRequest& req) { return create_job(ctx, req); });
  router.add("GET", "/api/v1/jobs", Access::read, [&ctx](ApiRequest& req) { return list_jobs(ctx, req); });
  router.add("GET", "/api/v1/jobs/{id}", Access::read, [&ctx](ApiRequest& req) { return get_job(ctx, req); });
  router.add("DELETE", "/api/v1/jobs/{id}", Access::admin, [&ctx](ApiRequest& req) { return delete_job(ctx, req); });
  router.add("POST", "/api/v1/jobs/{id}/cancel", Access::write,
             [&ctx](ApiRequest& req) { return cancel_job(ctx, req); });
}

}  // namespace agentry::server
