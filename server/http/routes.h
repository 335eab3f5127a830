// What every route file gets to register its routes: the options, the
// services and the shared parts of the server. One add_*_routes function per
// file, called once by ApiServer before it starts.
#pragma once

#include "server/http/api_server.h"
#include "server/http/cors.h"
#include "server/http/job_documents.h"
#include "server/http/metrics.h"
#include "server/http/rate_limiter.h"
#include "server/http/router.h"
#include "server/http/sse_hub.h"

namespace agentry::server {

struct RouteContext {
  const ApiOptions& options;
  ApiServices& services;
  Metrics& metrics;
  SseHub& sse;
  const CorsPolicy& cors;
  RateLimiter& creations;  // job creations per token
  JobDocuments& documents;  // plain GET bodies of finished and waiting jobs
};

void add_job_routes(Router& router, RouteContext& ctx);     // job_routes.cpp
void add_event_routes(Router& router, RouteContext& ctx);   // event_routes.cpp
void add_script_routes(Router& router, RouteContext& ctx);  // script_routes.cpp
void add_health_routes(Router& router, RouteContext& ctx);  // health_routes.cpp
void add_metrics_route(Router& router, RouteContext& ctx);  // metrics_route.cpp
void add_static_routes(Router& router, RouteContext& ctx);  // static_files.cpp

// The job `id` when it exists and the caller may see it (a client token only
// its owner's jobs); job_routes.cpp.
std::optional<jobs::Job> visible_job(RouteContext& ctx, const ApiRequest& req, const std::string& id,
                                     jobs::JobParts parts);

}  // namespace agentry::server
