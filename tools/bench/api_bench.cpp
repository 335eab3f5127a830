// Throughput and latency of the HTTP API on a SQLite store, no workers:
//
//   bench_api [--connections N] [--seconds S] [--streams K] [--idle I] [--threads T]
//
// Phases, each for S seconds on N keep-alive connections (one blocking
// request at a time per connection): GET /healthz (the HTTP layer alone);
// GET /api/v1/jobs/{id} and a list page over 200 jobs; the same GETs while K
// event streams are open (their polling shares the store and the CPU), and
// while I connections sit idle without sending a byte;
// POST /api/v1/jobs. The server
// runs in this process with T pool threads; the clients share the machine,
// so the numbers are a floor.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "runtime/jobs/store.h"
#include "runtime/lua/script_registry.h"
#include "server/http/api_server.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int connections = 8;
  double seconds = 5;
  int streams = 32;
  int threads = 64;
  int idle = 500;
};

struct PhaseResult {
  uint64_t requests = 0;
  uint64_t failures = 0;
  std::vector<double> latencies_ms;
};

// One request on a keep-alive session; the status, or 0 on a transport error.
int exchange(Poco::Net::HTTPClientSession& session, const std::string& method, const std::string& path,
             const std::string& body, std::string* reply = nullptr) {
  try {
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    if (!body.empty()) {
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse response;
    std::ostringstream out;
    Poco::StreamCopier::copyStream(session.receiveResponse(response), out);
    if (reply) *reply = out.str();
    return response.getStatus();
  } catch (const std::exception&) {
    session.reset();
    return 0;
  }
}

template <class MakeRequest>
PhaseResult run_phase(int port, const Options& o, MakeRequest make_request) {
  PhaseResult total;
  std::mutex mutex;
  std::vector<std::thread> threads;
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.seconds);
  for (int c = 0; c < o.connections; ++c)
    threads.emplace_back([&, c] {
      Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
      session.setKeepAlive(true);
      session.setTimeout(Poco::Timespan(10, 0));
      std::mt19937 rng(static_cast<unsigned>(c));
      PhaseResult mine;
      while (Clock::now() < deadline) {
        const auto [method, path, body, expected] = make_request(rng);
        const auto started = Clock::now();
        const int status = exchange(session, method, path, body);
        mine.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        ++mine.requests;
        if (status != expected && ++mine.failures <= 3)
          std::fprintf(stderr, "%s %s: status %d, expected %d\n", method.c_str(), path.c_str(), status, expected);
      }
      std::lock_guard lock(mutex);
      total.requests += mine.requests;
      total.failures += mine.failures;
      total.latencies_ms.insert(total.latencies_ms.end(), mine.latencies_ms.begin(), mine.latencies_ms.end());
    });
  for (auto& t : threads) t.join();
  return total;
}

void report(const char* name, PhaseResult r, double seconds) {
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  auto pct = [&](double p) {
    return r.latencies_ms.empty() ? 0.0 : r.latencies_ms[static_cast<size_t>(p * (r.latencies_ms.size() - 1))];
  };
  std::printf("| %-34s | %8.0f | %7.2f | %7.2f | %7.2f | %llu |\n", name, static_cast<double>(r.requests) / seconds,
              pct(0.5), pct(0.99), r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back(),
              static_cast<unsigned long long>(r.failures));
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--connections")
      o.connections = std::stoi(value);
    else if (flag == "--seconds")
      o.seconds = std::stod(value);
    else if (flag == "--streams")
      o.streams = std::stoi(value);
    else if (flag == "--idle")
      o.idle = std::stoi(value);
    else if (flag == "--threads")
      o.threads = std::stoi(value);
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace agentry;
  const Options o = parse(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  const auto db = std::filesystem::temp_directory_path() / ("agentry-api-bench-" + std::to_string(::getpid()) + ".db");
  auto store = jobs::JobStore::open({.url = "sqlite://" + db.string()});
  lua::ScriptRegistry registry(std::filesystem::path(AGENTRY_SOURCE_DIR) / "scripts");
  registry.reload();
  server::ApiOptions api;
  api.port = 0;
  api.max_threads = o.threads;
  api.max_sse_streams = std::max(o.streams, 1);
  server::ApiServer server(api, {.store = *store, .registry = registry});
  server.start();
  const int port = server.port();

  std::printf("%d connections, %.0f s per phase, %d pool threads\n\n", o.connections, o.seconds, o.threads);
  std::printf("| %-34s | %8s | %7s | %7s | %7s | %s |\n", "phase", "req/s", "p50 ms", "p99 ms", "max ms", "failed");
  std::printf("|%s|---:|---:|---:|---:|---:|\n", std::string(36, '-').c_str());

  // A realistic backlog for the reads: 200 jobs, 20 of them waiting. (A
  // backlog of thousands of waiting jobs makes every read pay for its queue
  // position; the POST phase, run last, shows that separately.)
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(store->create({.pipeline = "full"}).job.id);
  for (size_t i = 20; i < ids.size(); ++i) store->cancel(ids[i]);
  using Request = std::tuple<std::string, std::string, std::string, int>;
  auto get_job = [&](std::mt19937& rng) {
    const auto& id = ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(rng)];
    return Request{"GET", "/api/v1/jobs/" + id, "", 200};
  };
  report("GET /healthz",
         run_phase(port, o,
                   [](std::mt19937&) {
                     return Request{"GET", "/healthz", "", 200};
                   }),
         o.seconds);
  report("GET /api/v1/jobs/{id}", run_phase(port, o, get_job), o.seconds);
  report("GET /api/v1/jobs?limit=50",
         run_phase(port, o,
                   [](std::mt19937&) {
                     return Request{"GET", "/api/v1/jobs?limit=50", "", 200};
                   }),
         o.seconds);

  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> streams;
  for (int i = 0; i < o.streams; ++i) {
    auto s = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest req("GET", "/api/v1/jobs/" + ids[static_cast<size_t>(i) % 20] + "/events",
                               Poco::Net::HTTPMessage::HTTP_1_1);
    s->sendRequest(req);
    Poco::Net::HTTPResponse response;
    s->receiveResponse(response);
    if (response.getStatus() != 200) std::fprintf(stderr, "stream %d refused: %d\n", i, response.getStatus());
    streams.push_back(std::move(s));
  }
  const std::string label = "GET /api/v1/jobs/{id}, " + std::to_string(o.streams) + " streams";
  report(label.c_str(), run_phase(port, o, get_job), o.seconds);
  streams.clear();

  // Connections that connected and said nothing (preconnects, stalled
  // clients): with a thread per connection they would starve the polls.
  std::vector<Poco::Net::StreamSocket> idle;
  for (int i = 0; i < o.idle; ++i)
    idle.emplace_back(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
  const std::string idle_label = "GET /api/v1/jobs/{id}, " + std::to_string(o.idle) + " idle conns";
  report(idle_label.c_str(), run_phase(port, o, get_job), o.seconds);
  idle.clear();

  const std::string create_body = R"({"pipeline": "full", "input": {"client": {"name": "Ada", "age": 34}}})";
  report("POST /api/v1/jobs",
         run_phase(port, o,
                   [&](std::mt19937&) {
                     return Request{"POST", "/api/v1/jobs", create_body, 202};
                   }),
         o.seconds);

  server.stop();
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
  return 0;
}
