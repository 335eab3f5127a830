#include "server/http/api_server.h"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "server/http/request_handler.h"
#include "server/http/routes.h"

namespace agentry::server {

struct ApiServer::Impl {
  Impl(ApiOptions o, ApiServices s)
      : options(std::move(o)),
        services(std::move(s)),
        metrics(services.metrics ? *services.metrics : server::metrics()),
        cors(options.cors_origins),
        sse(services.store, SseOptions{.max_streams = options.max_sse_streams}, metrics),
        context{options, services, metrics, sse, cors} {
    add_job_routes(router, context);
    add_event_routes(router, context);
    add_script_routes(router, context);
    add_health_routes(router, context);
    add_metrics_route(router, context);
    add_static_routes(router, context);
  }

  ApiOptions options;
  ApiServices services;
  Metrics& metrics;
  CorsPolicy cors;
  SseHub sse;
  RouteContext context;
  Router router;
  // Declared last: destroyed first, while what its handlers use still exists.
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> http;
  int port = 0;
  bool stopped = false;
};

ApiServer::ApiServer(ApiOptions options, ApiServices services)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(services))) {}

ApiServer::~ApiServer() { stop(); }

void ApiServer::start() {
  auto& m = *impl_;
  if (m.http || m.stopped) throw std::logic_error("ApiServer::start called twice");
  const auto& o = m.options;
  if (o.port < 0 || o.port > 65535 || o.max_threads < 1 || o.max_queued < 1 || o.max_sse_streams < 0 ||
      o.max_body_bytes == 0)
    throw std::invalid_argument(
        "API options out of range: port 0..65535, max_threads >= 1, max_queued >= 1, max_sse_streams >= 0, "
        "max_body_bytes >= 1");
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(o.bind, static_cast<Poco::UInt16>(o.port)),
                                 std::max(o.max_queued, 64));
  auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
  params->setMaxThreads(o.max_threads);
  params->setMaxQueued(o.max_queued);
  params->setThreadIdleTime(Poco::Timespan(10, 0));
  params->setTimeout(Poco::Timespan(o.receive_timeout.count(), 0));
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(o.keep_alive_timeout.count(), 0));
  // The dispatcher starts a connection thread only while the pool has one
  // free, so the pool must be at least max_threads large.
  m.pool = std::make_unique<Poco::ThreadPool>(2, o.max_threads, 60);
  m.http = std::make_unique<Poco::Net::HTTPServer>(
      Poco::makeShared<RequestHandlerFactory>(m.router, m.cors, m.metrics, o.max_body_bytes), *m.pool, socket, params);
  m.port = socket.address().port();
  m.sse.start();
  m.http->start();
  spdlog::info("http: listening on {}:{} ({} threads, {} event streams)", o.bind, m.port, o.max_threads,
               o.max_sse_streams);
}

void ApiServer::stop() {
  auto& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  m.sse.stop();
  if (!m.http) return;
  // Finishes the requests in progress, then closes every connection.
  m.http->stopAll(false);
  m.pool->joinAll();
  m.http.reset();
  m.pool.reset();
  spdlog::info("http: stopped");
}

int ApiServer::port() const { return impl_->port; }

}  // namespace agentry::server
