// `agentry mock-llm`: an OpenAI-compatible chat-completions server for
// tests, demos and benchmarks. Answers like the in-process mock provider
// (MockProvider::reply_for, per agent), injects faults by script or by rate,
// and counts what it saw (GET /stats). Usable in-process: start() on an
// ephemeral port, point an OpenAiProvider at base_url(), stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/mock_llm_faults.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace agentry::server {

struct MockLlmOptions {
  std::string host = "127.0.0.1";        // --host
  std::chrono::milliseconds latency{0};  // --latency-ms: delay before every answer
  std::chrono::milliseconds jitter{0};   // --jitter-ms: plus a uniform [0, jitter] extra
  std::vector<MockAction> script;        // --script 503,503,ok: successive requests, then normal
  std::map<std::string, std::vector<MockAction>> agent_scripts;  // --script E1:503,ok
  std::vector<std::pair<MockAction, double>> fail_rates;         // --fail-rate 503=0.2,429=0.1
  std::optional<int> retry_after_seconds;                        // --retry-after N: Retry-After on 429 and 503
  bool retry_after_as_date = false;                              // --retry-after-date: send it as an HTTP-date
  std::string fixtures_dir;                                      // --fixtures DIR: <agent>.mock.json canned replies
  std::chrono::milliseconds hang_limit{600'000};                 // --hang-ms: a hang ends after this
  int threads = 64;           // --threads: connections served at once (keep-alive holds one)
  std::string tls_cert_file;  // --tls-cert PEM: serve HTTPS (with --tls-key)
  std::string tls_key_file;   // --tls-key PEM
  uint64_t seed = 0;          // --seed for --fail-rate draws; 0: random
};

struct MockLlmStats {
  int64_t total = 0;                         // chat-completion requests received
  std::map<std::string, int64_t> by_agent;   // X-Agentry-Agent ("" when absent)
  std::map<std::string, int64_t> by_status;  // "200", "503", …, "reset", "hang"
  int64_t in_flight = 0;
  int64_t max_in_flight = 0;
  int64_t connections = 0;  // TCP connections accepted
  nlohmann::json to_json() const;
};

// One chat-completion request as it arrived (kept for the last 10,000).
struct MockRequestRecord {
  std::chrono::steady_clock::time_point at;
  std::string agent;
  MockAction action;
};

class MockLlmServer {
 public:
  explicit MockLlmServer(MockLlmOptions options = {});
  ~MockLlmServer();
  MockLlmServer(const MockLlmServer&) = delete;
  MockLlmServer& operator=(const MockLlmServer&) = delete;

  // Listens on options.host:`port` (0: an ephemeral port) and returns the
  // port. Throws Poco exceptions when it cannot listen.
  uint16_t start(uint16_t port = 0);
  // Ends hangs and delays, closes connections, joins the threads. Idempotent.
  void stop();

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT/v1" (https with TLS): an OPENAI_BASE_URL.
  std::string base_url() const;
  MockLlmStats stats() const;
  std::vector<MockRequestRecord> requests() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<Poco::ThreadPool> threads_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
};

// `agentry mock-llm [options]`: argv[0] is the command name, options follow
// (--help lists them). Serves until SIGINT or SIGTERM; returns the exit code.
int run_mock_llm_command(int argc, char** argv);

}  // namespace agentry::server
