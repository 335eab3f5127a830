// Throughput of `agentry mock-llm` with keep-alive connections.
//
//   bench_mock_llm serve [mock-llm options]      # the server, as `agentry mock-llm`
//   bench_mock_llm load --port P [--connections N] [--seconds S] [--job PIPELINE]
//   bench_mock_llm client --port P [--connections N] [--seconds S]   # through LlmClient
//
// Pin each to its own core to measure the server on one core:
//   taskset -c 0 bench_mock_llm serve --port 8099 &
//   taskset -c 1 bench_mock_llm load --port 8099 --connections 8 --seconds 10
//
// The load side is a plain blocking-socket loop per connection (one request,
// one response, repeat) so it costs less than the server it measures. By
// default every request is the same ~300-byte one for agent E1; with --job
// each connection cycles through the requests one job of that pipeline makes
// (on examples/client.json, as the openai provider sends them), so the rate
// is the mock's on the prompts and replies of real jobs. The
// client side makes the same calls through LlmClient and the openai provider,
// to show what a call costs the engine on top of the HTTP exchange.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/jobs/memory_journal.h"
#include "runtime/json/json_writer.h"
#include "runtime/llm/llm_client.h"
#include "runtime/llm/mock_provider.h"
#include "runtime/llm/openai_protocol.h"
#include "runtime/llm/openai_provider.h"
#include "runtime/lua/job_runner.h"
#include "runtime/lua/script_registry.h"
#include "server/mock_llm_server.h"

namespace {

using Clock = std::chrono::steady_clock;

struct LoadOptions {
  int port = 8099;
  int connections = 8;
  double seconds = 10;
  std::string job;  // empty: the one E1 request
};

const std::string kBody =
    R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a strength coach. Reply in JSON."},)"
    R"({"role":"user","content":"Client: 34 years, 3 sessions a week, goal: first pull-up."}],)"
    R"("temperature":0.2,"response_format":{"type":"json_object"}})";

std::string request_text(int port, const std::string& body, const std::string& agent, const std::string& fields) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nContent-Type: application/json\r\nAuthorization: Bearer sk-bench\r\nX-Agentry-Agent: " + agent +
         "\r\nX-Agentry-Required-Fields: " + fields + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Passes every call to the in-process mock and keeps what was asked.
class RecordingProvider final : public agentry::llm::LlmProvider {
 public:
  std::string name() const override { return "recording"; }
  agentry::llm::ChatReply chat(const agentry::llm::ChatRequest& request,
                               const agentry::llm::CallControl& control) override {
    requests.push_back(request);
    return mock_.chat(request, control);
  }
  std::vector<agentry::llm::ChatRequest> requests;

 private:
  agentry::llm::MockProvider mock_;
};

// The HTTP requests one job of `pipeline` sends, in order.
std::vector<std::string> job_requests(int port, const std::string& pipeline) {
  namespace fs = std::filesystem;
  using namespace agentry;
  const fs::path source = AGENTRY_SOURCE_DIR;
  std::vector<lua::ScriptProblem> problems;
  const auto snapshot = lua::load_scripts(source / "scripts", problems);
  if (!snapshot) throw std::runtime_error("scripts/ did not load");
  const auto input = nlohmann::json::parse(std::ifstream(source / "examples/client.json"));
  auto recorder = std::make_shared<RecordingProvider>();
  llm::LlmClient client(recorder);
  jobs::MemoryJournal journal;
  lua::JobControl control;
  const auto outcome = lua::run_job(*snapshot, client, journal, control, {"bench", pipeline, input, 1});
  if (outcome.status != jobs::JobStatus::completed)
    throw std::runtime_error("the " + pipeline + " job did not complete in-process");
  std::vector<std::string> texts;
  for (const auto& r : recorder->requests) {
    std::string fields;
    for (const auto& f : r.required_fields) fields += (fields.empty() ? "" : ",") + f;
    const auto model = r.model.empty() ? llm::OpenAiOptions{}.default_model : r.model;
    texts.push_back(
        request_text(port, json::text(llm::chat_completion_body(r, model), json::InvalidUtf8::fail), r.agent, fields));
  }
  return texts;
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Reads one response; returns its status or -1 when the connection broke.
int read_response(int fd, std::string& buffer) {
  size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  const int status = std::atoi(buffer.c_str() + 9);
  size_t length = 0;
  std::string headers = buffer.substr(0, header_end);
  std::transform(headers.begin(), headers.end(), headers.begin(), [](unsigned char c) { return std::tolower(c); });
  if (const auto at = headers.find("content-length:"); at != std::string::npos)
    length = std::strtoul(headers.c_str() + at + 15, nullptr, 10);
  const size_t total = header_end + 4 + length;
  while (buffer.size() < total) {
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  buffer.erase(0, total);
  return status;
}

void report(const char* what, const LoadOptions& o, int64_t ok, int64_t failed, double elapsed,
            const std::vector<std::vector<int64_t>>& latencies) {
  std::vector<int64_t> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const auto pct = [&](double p) {
    return all.empty()
               ? 0.0
               : static_cast<double>(all[static_cast<size_t>(p * static_cast<double>(all.size() - 1))]) / 1000.0;
  };
  std::printf("%s, %d connections, %.1f s: %lld ok, %lld failed, %.0f per second, latency p50 %.3f ms, p99 %.3f ms\n",
              what, o.connections, elapsed, static_cast<long long>(ok), static_cast<long long>(failed),
              static_cast<double>(ok) / elapsed, pct(0.5), pct(0.99));
}

// One keep-alive connection's request loop until `stop`, cycling through
// `requests` from the `first`.
void run_connection(int port, const std::vector<std::string>& requests, size_t first, const std::atomic<bool>& stop,
                    std::atomic<int64_t>& ok, std::atomic<int64_t>& failed, std::vector<int64_t>& latencies_us) {
  int fd = connect_to(port);
  std::string buffer;
  for (size_t next = first; !stop.load(std::memory_order_relaxed); ++next) {
    const std::string& request = requests[next % requests.size()];
    const auto t0 = Clock::now();
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()) ||
        read_response(fd, buffer) != 200) {
      ++failed;
      ::close(fd);
      fd = connect_to(port);
      buffer.clear();
      continue;
    }
    latencies_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
    ok.fetch_add(1, std::memory_order_relaxed);
  }
  ::close(fd);
}

int run_load(const LoadOptions& o) {
  const auto requests = o.job.empty()
                            ? std::vector<std::string>{request_text(o.port, kBody, "E1", "profile,constraints")}
                            : job_requests(o.port, o.job);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0}, failed{0};
  std::vector<std::vector<int64_t>> latencies(static_cast<size_t>(o.connections));
  std::vector<std::thread> workers;
  const auto started = Clock::now();
  for (int c = 0; c < o.connections; ++c) {
    workers.emplace_back([&, c] {
      try {
        // Connections start at different steps, as concurrent jobs would be.
        run_connection(o.port, requests, static_cast<size_t>(c) * 7, stop, ok, failed,
                       latencies[static_cast<size_t>(c)]);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        ++failed;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  report("HTTP requests", o, ok, failed, elapsed, latencies);
  if (!o.job.empty())
    std::printf("%zu requests per %s job: %.1f jobs per second\n", requests.size(), o.job.c_str(),
                static_cast<double>(ok.load()) / elapsed / static_cast<double>(requests.size()));
  return failed.load() == 0 ? 0 : 1;
}

class NeverStop final : public agentry::llm::CallControl {
 public:
  bool stop_requested() const override { return false; }
  bool wait_for(std::chrono::milliseconds d) const override {
    std::this_thread::sleep_for(d);
    return true;
  }
};

class Quiet final : public agentry::llm::CallListener {
 public:
  void on_retry(const agentry::llm::ChatRequest&, int, const std::string&, std::chrono::milliseconds) override {}
  void on_waiting(const agentry::llm::ChatRequest&, const std::string&) override {}
};

int run_client(const LoadOptions& o) {
  namespace llm = agentry::llm;
  llm::OpenAiOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(o.port) + "/v1";
  options.api_key = "sk-bench";
  options.max_idle_connections = static_cast<size_t>(o.connections);
  llm::LlmMetrics metrics;
  llm::LlmClient client(std::make_shared<llm::OpenAiProvider>(options), {}, {}, metrics);
  llm::ChatRequest request;
  request.agent = "E1";
  request.system = "You are a strength coach. Reply in JSON.";
  request.messages = {{"user", "Client: 34 years, 3 sessions a week, goal: first pull-up."}};
  request.json = true;
  request.required_fields = {"profile", "constraints"};

  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0}, failed{0};
  std::vector<std::vector<int64_t>> latencies(static_cast<size_t>(o.connections));
  std::vector<std::thread> workers;
  const auto started = Clock::now();
  for (int c = 0; c < o.connections; ++c) {
    workers.emplace_back([&, c] {
      NeverStop control;
      Quiet listener;
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        try {
          client.chat(request, control, listener);
          latencies[static_cast<size_t>(c)].push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
          ++ok;
        } catch (const llm::LlmError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          ++failed;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& w : workers) w.join();
  report("LlmClient calls", o, ok, failed, std::chrono::duration<double>(Clock::now() - started).count(), latencies);
  return failed.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "serve") return agentry::server::run_mock_llm_command(argc - 1, argv + 1);
  if (mode != "load" && mode != "client") {
    std::fprintf(stderr,
                 "usage: %s serve [mock-llm options] | load|client --port P [--connections N] [--seconds S] "
                 "[--job PIPELINE (load)]\n",
                 argv[0]);
    return 2;
  }
  LoadOptions o;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port")
      o.port = std::atoi(argv[i + 1]);
    else if (flag == "--connections")
      o.connections = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--seconds")
      o.seconds = std::atof(argv[i + 1]);
    else if (flag == "--job")
      o.job = argv[i + 1];
  }
  try {
    return mode == "load" ? run_load(o) : run_client(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
