// The HTTP API of DESIGN.md "REST API (v1)": jobs, their event streams,
// loaded scripts, health and metrics, plus the dashboard's static files.
// docs/api.md is the reference for every route, status and error code.
//
// Built on Poco::Net::HTTPServer, which holds a pool thread per connection
// for the connection's whole life (keep-alive included) and silently drops
// connections past max_queued. So: the pool is sized by max_threads, idle
// keep-alive connections are closed after keep_alive_timeout, a request must
// arrive in receive_timeout, and event streams do not use pool threads at
// all (see sse_hub.h) but are capped by max_sse_streams.
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

namespace agentry::server {

class Metrics;

struct ApiOptions {
  // Address and port to listen on; port 0 picks a free port (see port()).
  std::string bind = "127.0.0.1";
  int port = 8080;
  // Larger request bodies are refused with 413 (DESIGN default 1 MiB).
  size_t max_body_bytes = 1 << 20;
  // Pool threads, i.e. connections served at once (polls, keep-alive included).
  int max_threads = 64;
  // Accepted connections waiting for a thread; Poco drops any beyond this.
  int max_queued = 256;
  // An idle keep-alive connection gives its thread back after this long.
  std::chrono::seconds keep_alive_timeout{5};
  // Longest wait for the next bytes of a request (slow or stalled clients).
  std::chrono::seconds receive_timeout{10};
  // Origins allowed to call the API from a browser; "*" allows any.
  std::vector<std::string> cors_origins;
  // Dashboard files: GET / serves web_root/index.html, GET /static/<file>
  // serves web_root/<file>. Empty: no dashboard routes.
  std::filesystem::path web_root;
  // Event streams open at once; more are refused with 503.
  int max_sse_streams = 32;
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
  // range, Poco::Net::NetException when the address cannot be bound (in use).
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
