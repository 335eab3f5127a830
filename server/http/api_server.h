// The HTTP API of DESIGN.md "REST API (v1)": jobs, their event streams,
// loaded scripts, health and metrics, plus the dashboard's static files.
// docs/api.md is the reference for every route, status and error code.
//
// Built on Poco's HTTP server classes, but not on Poco::Net::HTTPServer, which
// holds a pool thread per connection for the connection's whole life
// (keep-alive included) and silently drops connections past max_queued
// (here they get a 503).
// Here a connection holds a pool thread only while it has a request to
// serve: new and keep-alive connections wait on one epoll thread
// (connection_gate.h) until they send bytes, and event streams do not use
// pool threads at all (sse_hub.h). The gate hands a connection over only
// once its request head (request line and headers) has arrived whole, so
// clients that send their headers slowly (slowloris) wait there, not on a
// pool thread; a head must arrive within receive_timeout of the first byte.
// A body that has started must arrive within receive_timeout per read.
//
// Callers are authenticated by API token when ApiOptions::tokens has any
// (auth.h); with none, every caller may do everything.
//
// start() and stop() are called from one thread; everything else the
// server does runs on its own threads, which use ApiServices concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/jobs/store.h"
#include "runtime/lua/script_registry.h"
#include "runtime/scheduler/scheduler.h"
#include "server/http/auth.h"

namespace agentry::server {

class Metrics;

struct ApiOptions {
  // Address and port to listen on; port 0 picks a free port (see port()).
  std::string bind = "127.0.0.1";
  int port = 8080;
  // Larger request bodies are refused with 413 (DESIGN default 1 MiB).
  size_t max_body_bytes = 1 << 20;
  // JSON bodies nested deeper (objects and arrays) are refused with 400.
  int max_json_depth = 64;
  // A request body must arrive whole within this long, or 408.
  std::chrono::seconds body_timeout{30};
  // A request line plus headers larger than this is answered 431 and closed.
  // (Poco also refuses more than 100 header fields, a name over 256 bytes, a
  // value over 8 KiB and a URI over 16 KiB: 431 or 400.)
  size_t max_header_bytes = 32 << 10;
  // Connections from one client address waiting in the gate (idle, or
  // sending their request head); more are answered 503 and closed.
  int max_connections_per_ip = 512;
  // Pool threads, i.e. requests served at once. Idle connections use none.
  int max_threads = 64;
  // Requests waiting for a free thread; any beyond this are answered 503
  // "overloaded" at once.
  int max_queued = 256;
  // An idle keep-alive connection is closed after this long.
  std::chrono::seconds keep_alive_timeout{5};
  // A new connection must send its request, and a started request its next
  // bytes, within this long (slow or stalled clients).
  std::chrono::seconds receive_timeout{10};
  // Origins allowed to call the API from a browser; "*" allows any.
  std::vector<std::string> cors_origins;
  // Dashboard files: GET / serves web_root/index.html, GET /static/<file>
  // serves web_root/<file>. Empty: no dashboard routes.
  std::filesystem::path web_root;
  // Event streams open at once; more are refused with 503.
  int max_sse_streams = 32;
  // Rendered documents of finished and waiting jobs kept for GET (job_documents.h).
  size_t job_document_bytes = 64 << 20;
  // API tokens; empty: auth off (everyone is the anonymous admin, owner "").
  TokenSet tokens;
};

struct ApiServices {
  jobs::JobStore& store;
  lua::ScriptRegistry& registry;
  // Null when this process runs no workers (serve --no-workers).
  scheduler::Scheduler* scheduler = nullptr;
  // False while draining: POST /api/v1/jobs answers 503 and /readyz fails.
  std::function<bool()> accepting = [] { return true; };
  // Where /metrics reads the job, step and HTTP families; null: server::metrics().
  Metrics* metrics = nullptr;
};

class ApiServer {
 public:
  ApiServer(ApiOptions options, ApiServices services);
  ~ApiServer();  // stops
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds and starts serving. Throws std::invalid_argument for options out of
  // range, std::runtime_error "port P is in use" when another process (or
  // server) listens there, Poco::Net::NetException for other bind failures.
  void start();
  // Stops accepting, closes event streams, lets requests in progress finish
  // and joins the pool. Idempotent.
  void stop();
  // The port listened on (the actual one when 0 was asked); 0 before start().
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentry::server
