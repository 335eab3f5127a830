#include "server/http/api_server.h"

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerDispatcher.h>
#include <Poco/ThreadPool.h>

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

#include "server/http/connection_gate.h"
#include "server/http/http_connection.h"
#include "server/http/rate_limiter.h"
#include "server/http/request_handler.h"
#include "server/http/routes.h"

namespace agentry::server {
namespace {

// A canned 503 for a request no thread can take soon, written without
// blocking the gate; the connection closes after it.
void reply_overloaded(const Poco::Net::StreamSocket& socket) {
  static const std::string body =
      R"({"error":{"code":"overloaded","message":"the server is busy with other requests; retry shortly"}})";
  static const std::string reply =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  const int fd = socket.impl()->sockfd();
  // Read what the client sent so far: closing over unread input would reset
  // the connection and lose the reply.
  char scratch[4096];
  for (int i = 0; i < 16 && ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; ++i) {
  }
  [[maybe_unused]] const auto n = ::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
}

// SO_REUSEADDR lets a restarted server bind while its old connections sit in
// TIME_WAIT; no SO_REUSEPORT (Poco's two-argument bind sets it too), which
// would let a second server share the port and take half its connections.
Poco::Net::ServerSocket listen_on(const std::string& bind, int port, int backlog) {
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(bind, static_cast<Poco::UInt16>(port)), true, false);
  } catch (const Poco::Exception& e) {
    if (e.code() == EADDRINUSE)
      throw std::runtime_error("port " + std::to_string(port) + " is in use on " + bind +
                               " (another agentry serve?); stop it or pass --port");
    throw;
  }
  socket.listen(backlog);
  return socket;
}

}  // namespace

struct ApiServer::Impl {
  Impl(ApiOptions o, ApiServices s)
      : options(std::move(o)),
        services(std::move(s)),
        metrics(services.metrics ? *services.metrics : server::metrics()),
        cors(options.cors_origins),
        sse(services.store, SseOptions{.max_streams = options.max_sse_streams}, metrics),
        context{options, services, metrics, sse, cors, creations, documents},
        handlers(router, cors, metrics,
                 BodyLimits{options.max_body_bytes, options.max_json_depth, options.body_timeout}, options.tokens) {
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
  RateLimiter creations;
  JobDocuments documents{options.job_document_bytes};
  RouteContext context;
  Router router;
  RequestHandlerFactory handlers;
  // Declared last: destroyed first, while what their connections use still exists.
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<ConnectionGate> gate;
  Poco::AutoPtr<Poco::Net::TCPServerDispatcher> dispatcher;
  int port = 0;
  bool stopped = false;
  std::chrono::steady_clock::time_point last_overload_warning{};  // gate thread only

  // On the gate thread: a connection with a request goes to the pool's queue.
  void dispatch(const Poco::Net::StreamSocket& socket) {
    if (dispatcher->queuedConnections() < options.max_queued) {
      dispatcher->enqueue(socket);
      return;
    }
    // Poco would drop the connection without a word.
    reply_overloaded(socket);
    metrics.count_http_request("overloaded", "OTHER", 503);
    if (const auto now = std::chrono::steady_clock::now(); now - last_overload_warning > std::chrono::seconds(5)) {
      last_overload_warning = now;
      spdlog::warn("http: {} requests wait for a thread; answering 503 (raise max_threads?)", options.max_queued);
    }
  }
};

ApiServer::ApiServer(ApiOptions options, ApiServices services)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(services))) {}

ApiServer::~ApiServer() { stop(); }

void ApiServer::start() {
  auto& m = *impl_;
  if (m.gate || m.stopped) throw std::logic_error("ApiServer::start called twice");
  const auto& o = m.options;
  if (o.port < 0 || o.port > 65535 || o.max_threads < 1 || o.max_queued < 1 || o.max_sse_streams < 0 ||
      o.max_body_bytes == 0 || o.max_json_depth < 1 || o.body_timeout.count() < 1 || o.max_header_bytes < 1024 ||
      o.max_connections_per_ip < 1)
    throw std::invalid_argument(
        "API options out of range: port 0..65535, max_threads >= 1, max_queued >= 1, max_sse_streams >= 0, "
        "max_body_bytes >= 1, max_json_depth >= 1, body_timeout >= 1 s, max_header_bytes >= 1024, "
        "max_connections_per_ip >= 1");
  Poco::Net::ServerSocket socket = listen_on(o.bind, o.port, std::max(o.max_queued, 64));
  auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
  params->setMaxThreads(o.max_threads);
  params->setMaxQueued(o.max_queued);
  params->setThreadIdleTime(Poco::Timespan(10, 0));
  params->setTimeout(Poco::Timespan(o.receive_timeout.count(), 0));
  params->setKeepAlive(true);
  // The dispatcher starts a connection thread only while the pool has one
  // free, so the pool must be at least max_threads large.
  m.pool = std::make_unique<Poco::ThreadPool>(std::min(2, o.max_threads), o.max_threads, 60);
  m.port = socket.address().port();
  const ConnectionGateOptions gate_options{
      .first_request_timeout = o.receive_timeout,
      .keep_alive_timeout = o.keep_alive_timeout,
      .max_header_bytes = o.max_header_bytes,
      .max_per_address = static_cast<size_t>(o.max_connections_per_ip),
      .on_refused = [&metrics = m.metrics](int status) { metrics.count_http_request("refused", "OTHER", status); },
  };
  // The gate and the connections refer to each other: the gate dispatches
  // through the dispatcher, whose connections park back at the gate.
  m.gate =
      std::make_unique<ConnectionGate>(socket, gate_options, [&m](const Poco::Net::StreamSocket& s) { m.dispatch(s); });
  m.dispatcher = Poco::makeAuto<Poco::Net::TCPServerDispatcher>(
      Poco::makeShared<GatedConnectionFactory>(params, m.handlers, *m.gate), *m.pool, params);
  m.sse.start();
  m.gate->start();
  spdlog::info("http: listening on {}:{} ({} threads, {} event streams, auth {})", o.bind, m.port, o.max_threads,
               o.max_sse_streams, o.tokens.enabled() ? std::to_string(o.tokens.size()) + " tokens" : "off");
}

void ApiServer::stop() {
  auto& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  if (!m.gate) {
    m.sse.stop();
    return;
  }
  // No new connections, idle ones closed; requests in progress finish and
  // their connections close instead of parking.
  m.gate->stop();
  m.sse.stop();
  m.dispatcher->stop();
  m.pool->joinAll();
  m.dispatcher.reset();
  m.gate.reset();
  m.pool.reset();
  spdlog::info("http: stopped");
}

int ApiServer::port() const { return impl_->port; }

}  // namespace agentry::server
