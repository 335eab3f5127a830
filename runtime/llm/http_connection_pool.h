// Keep-alive connections to one API host: idle sessions are reused across
// calls (a TLS handshake costs more than most small requests), stale ones are
// dropped. HTTPS verifies the server certificate against the system CAs plus
// an optional CA file. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include "runtime/llm/http_endpoint.h"

namespace agentry::llm {

struct HttpPoolOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{120'000};  // per socket read (Poco's receive timeout)
  std::string ca_file;                              // extra trusted CA (PEM); "" for system CAs only
  size_t max_idle = 8;                              // idle sessions kept
  std::chrono::milliseconds idle_timeout{30'000};   // idle sessions older than this are closed
};

class HttpConnectionPool {
 public:
  // Throws std::invalid_argument when ca_file cannot be read.
  HttpConnectionPool(HttpEndpoint endpoint, HttpPoolOptions options);
  HttpConnectionPool(const HttpConnectionPool&) = delete;
  HttpConnectionPool& operator=(const HttpConnectionPool&) = delete;

  // An idle session that is still open, or a newly connected one. Throws
  // Poco exceptions when connecting fails.
  std::unique_ptr<Poco::Net::HTTPClientSession> take();
  // An idle session that is still open, or null: unlike take(), never
  // connects, so it cannot block on the network.
  std::unique_ptr<Poco::Net::HTTPClientSession> take_idle();
  // Keeps a session whose last exchange completed cleanly for the next call.
  void give_back(std::unique_ptr<Poco::Net::HTTPClientSession> session);

  const HttpEndpoint& endpoint() const { return endpoint_; }
  const HttpPoolOptions& options() const { return options_; }
  size_t sessions_created() const;
  size_t idle() const;

 private:
  struct Idle {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    std::chrono::steady_clock::time_point since;
  };
  std::unique_ptr<Poco::Net::HTTPClientSession> create();

  const HttpEndpoint endpoint_;
  const HttpPoolOptions options_;
  Poco::Net::Context::Ptr tls_;  // null for http://
  mutable std::mutex mutex_;
  std::vector<Idle> idle_;  // most recently used last
  size_t created_ = 0;
};

}  // namespace agentry::llm
