// The load driver of tools/bench/run: talks HTTP to a running `agentry serve`
// on 127.0.0.1 (real process, real sockets) and prints one JSON object per
// command on stdout for the run script to put in docs/benchmarks.md.
//
//   bench_load submit  --port P --rate R --seconds S [--connections C] [--pipeline NAME] [--ids FILE]
//       POST /api/v1/jobs open-loop at R requests/s (R = 0: closed loop, as
//       fast as C connections go). Latency counts from each request's
//       scheduled time, so a stalled server is not hidden by the driver
//       waiting for it (no coordinated omission). Job ids to FILE if given.
//   bench_load create  --port P --jobs N --ids FILE [--connections C] [--pipeline NAME]
//       N jobs as fast as possible; their ids to FILE (one a line).
//   bench_load mockwait --port MOCKPORT --count N [--timeout SEC]
//       Until `agentry mock-llm` has received N requests (GET /stats), read
//       every 10 ms.
//   bench_load wait    --port P --count N [--status S[,S...]] [--timeout SEC]
//       Until at least N jobs are in the given statuses (default: every final
//       one), read from /metrics every 50 ms.
//   bench_load times   --port P --ids FILE
//       Reads every job: statuses, first created_at, first started_at, last
//       completed_at, and enqueue-to-start (started_at - created_at) p50/p99.
//   bench_load commits --db URL [--seconds S]
//       The database's own commit rate: JobStore::create (one transaction)
//       in a loop on one thread, no HTTP.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/jobs/store.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  int port = 8080;
  double rate = 0;
  double seconds = 5;
  int connections = 16;
  int jobs = 100;
  int count = 0;
  double timeout = 600;
  std::string pipeline = "full";
  std::string ids;  // file of job ids, one a line
  std::string statuses = "completed,failed,cancelled";
  std::string db;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string v = argv[i + 1];
    if (flag == "--port")
      o.port = std::stoi(v);
    else if (flag == "--rate")
      o.rate = std::stod(v);
    else if (flag == "--seconds")
      o.seconds = std::stod(v);
    else if (flag == "--connections")
      o.connections = std::stoi(v);
    else if (flag == "--jobs")
      o.jobs = std::stoi(v);
    else if (flag == "--count")
      o.count = std::stoi(v);
    else if (flag == "--timeout")
      o.timeout = std::stod(v);
    else if (flag == "--pipeline")
      o.pipeline = v;
    else if (flag == "--ids")
      o.ids = v;
    else if (flag == "--status")
      o.statuses = v;
    else if (flag == "--db")
      o.db = v;
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  return o;
}

// One keep-alive connection to the server.
class Connection {
 public:
  explicit Connection(int port) : session_("127.0.0.1", static_cast<Poco::UInt16>(port)) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(30, 0));
  }

  // The status, or 0 on a transport error (the connection is then reopened).
  int exchange(const std::string& method, const std::string& path, const std::string& body = "",
               std::string* reply = nullptr) {
    try {
      Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
      req.setKeepAlive(true);
      if (!body.empty()) {
        req.setContentType("application/json");
        req.setContentLength(static_cast<std::streamsize>(body.size()));
      }
      session_.sendRequest(req) << body;
      Poco::Net::HTTPResponse response;
      std::ostringstream out;
      Poco::StreamCopier::copyStream(session_.receiveResponse(response), out);
      if (reply) *reply = out.str();
      return response.getStatus();
    } catch (const std::exception&) {
      session_.reset();
      return 0;
    }
  }

 private:
  Poco::Net::HTTPClientSession session_;
};

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5)];
}

std::string job_body(const std::string& pipeline) {
  return json{{"pipeline", pipeline}, {"input", {{"client", {{"name", "Bench"}}}}}}.dump();
}

int submit(const Options& o) {
  const std::string body = job_body(o.pipeline);
  const bool open_loop = o.rate > 0;
  const auto total = open_loop ? static_cast<int64_t>(o.rate * o.seconds) : INT64_MAX;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> errors{0};
  std::mutex mutex;
  std::vector<double> latencies;
  std::vector<std::string> ids;
  const auto start = Clock::now() + std::chrono::milliseconds(50);  // every connection opened by then
  const auto deadline = start + std::chrono::duration<double>(o.seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c)
    threads.emplace_back([&] {
      Connection conn(o.port);
      std::vector<double> mine;
      std::vector<std::string> my_ids;
      std::string reply;
      while (true) {
        const int64_t i = next++;
        if (i >= total) break;
        auto scheduled = start;
        if (open_loop) {
          scheduled = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / o.rate));
          std::this_thread::sleep_until(scheduled);
        } else {
          scheduled = Clock::now();
          if (scheduled >= deadline) break;
        }
        const int status = conn.exchange("POST", "/api/v1/jobs", body, &reply);
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count());
        if (status != 202)
          ++errors;
        else if (!o.ids.empty())
          my_ids.push_back(json::parse(reply).at("job_id").get<std::string>());
      }
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      ids.insert(ids.end(), my_ids.begin(), my_ids.end());
    });
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (!o.ids.empty()) {
    std::ofstream file(o.ids);
    for (const auto& id : ids) file << id << '\n';
  }
  std::sort(latencies.begin(), latencies.end());
  json out = {{"rate", o.rate},
              {"requests", latencies.size()},
              {"errors", errors.load()},
              {"per_second", static_cast<double>(latencies.size()) / elapsed},
              {"p50_ms", percentile(latencies, 0.5)},
              {"p99_ms", percentile(latencies, 0.99)},
              {"p999_ms", percentile(latencies, 0.999)},
              {"max_ms", latencies.empty() ? 0.0 : latencies.back()}};
  std::printf("%s\n", out.dump().c_str());
  return errors.load() == 0 ? 0 : 1;
}

int create(const Options& o) {
  if (o.ids.empty()) throw std::invalid_argument("create needs --ids FILE");
  const std::string body = job_body(o.pipeline);
  std::atomic<int> next{0};
  std::mutex mutex;
  std::vector<std::string> ids;
  int errors = 0;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c)
    threads.emplace_back([&] {
      Connection conn(o.port);
      while (next++ < o.jobs) {
        std::string reply;
        const int status = conn.exchange("POST", "/api/v1/jobs", body, &reply);
        std::lock_guard lock(mutex);
        if (status == 202)
          ids.push_back(json::parse(reply).at("job_id").get<std::string>());
        else if (++errors <= 3)
          std::fprintf(stderr, "bench_load create: status %d: %s\n", status, reply.c_str());
      }
    });
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::ofstream file(o.ids);
  for (const auto& id : ids) file << id << '\n';
  std::printf("%s\n", json{{"created", ids.size()}, {"errors", errors}, {"seconds", elapsed}}.dump().c_str());
  return errors == 0 ? 0 : 1;
}

// agentry_jobs{status="..."} gauges of /metrics.
std::map<std::string, int64_t> job_counts(Connection& conn) {
  std::string text;
  std::map<std::string, int64_t> counts;
  if (conn.exchange("GET", "/metrics", "", &text) != 200) return counts;
  std::istringstream in(text);
  const std::string prefix = "agentry_jobs{status=\"";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const auto quote = line.find('"', prefix.size());
    counts[line.substr(prefix.size(), quote - prefix.size())] = std::stoll(line.substr(line.rfind(' ') + 1));
  }
  return counts;
}

int wait(const Options& o) {
  std::vector<std::string> wanted;
  std::istringstream in(o.statuses);
  for (std::string s; std::getline(in, s, ',');) wanted.push_back(s);
  Connection conn(o.port);
  const auto start = Clock::now();
  std::map<std::string, int64_t> counts;
  int64_t reached = 0;
  while (std::chrono::duration<double>(Clock::now() - start).count() < o.timeout) {
    counts = job_counts(conn);
    reached = 0;
    for (const auto& s : wanted) reached += counts[s];
    if (reached >= o.count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  json out = {{"seconds", std::chrono::duration<double>(Clock::now() - start).count()},
              {"reached", reached},
              {"counts", counts}};
  std::printf("%s\n", out.dump().c_str());
  return reached >= o.count ? 0 : 1;
}

int mockwait(const Options& o) {
  Connection conn(o.port);
  const auto start = Clock::now();
  int64_t total = 0;
  while (std::chrono::duration<double>(Clock::now() - start).count() < o.timeout) {
    std::string reply;
    if (conn.exchange("GET", "/stats", "", &reply) == 200) total = json::parse(reply).value("total", int64_t{0});
    if (total >= o.count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf(
      "%s\n",
      json{{"seconds", std::chrono::duration<double>(Clock::now() - start).count()}, {"total", total}}.dump().c_str());
  return total >= o.count ? 0 : 1;
}

double ms_between(agentry::jobs::TimePoint a, agentry::jobs::TimePoint b) {
  return static_cast<double>((b - a).count());
}

int times(const Options& o) {
  using agentry::jobs::parse_time;
  using agentry::jobs::TimePoint;
  std::ifstream file(o.ids);
  Connection conn(o.port);
  std::map<std::string, int> statuses;
  std::vector<double> start_latency;
  std::optional<TimePoint> first_created, first_started, last_started, last_completed;
  int64_t llm_calls = 0;
  for (std::string id; std::getline(file, id);) {
    std::string reply;
    if (conn.exchange("GET", "/api/v1/jobs/" + id, "", &reply) != 200) {
      ++statuses["unreadable"];
      continue;
    }
    const json doc = json::parse(reply);
    ++statuses[doc.at("status").get<std::string>()];
    llm_calls += doc.value("/progress/llm_calls"_json_pointer, int64_t{0});
    const auto created = parse_time(doc.at("created_at").get<std::string>());
    if (created && (!first_created || *created < *first_created)) first_created = created;
    if (!doc.at("started_at").is_string()) continue;
    const auto started = parse_time(doc.at("started_at").get<std::string>());
    if (!started) continue;
    if (!first_started || *started < *first_started) first_started = started;
    if (!last_started || *started > *last_started) last_started = started;
    if (created) start_latency.push_back(ms_between(*created, *started));
    if (doc.at("completed_at").is_string())
      if (const auto done = parse_time(doc.at("completed_at").get<std::string>());
          done && (!last_completed || *done > *last_completed))
        last_completed = done;
  }
  std::sort(start_latency.begin(), start_latency.end());
  json out = {{"statuses", statuses},
              {"start_p50_ms", percentile(start_latency, 0.5)},
              {"start_p99_ms", percentile(start_latency, 0.99)},
              {"start_max_ms", start_latency.empty() ? 0.0 : start_latency.back()},
              {"llm_calls", llm_calls}};
  if (first_created && last_completed)
    out["created_to_completed_s"] = ms_between(*first_created, *last_completed) / 1000;
  if (first_started && last_completed)
    out["started_to_completed_s"] = ms_between(*first_started, *last_completed) / 1000;
  if (first_created && last_started)
    out["created_to_last_started_s"] = ms_between(*first_created, *last_started) / 1000;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

int commits(const Options& o) {
  agentry::jobs::StoreOptions options;
  options.url = o.db;
  auto store = agentry::jobs::JobStore::open(options);
  agentry::jobs::NewJob job;
  job.pipeline = "bench-commit";
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(o.seconds);
  int64_t n = 0;
  while (Clock::now() < deadline) {
    store->create(job);
    ++n;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%s\n", json{{"backend", store->backend()}, {"commits", n}, {"per_second", n / elapsed}}.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    const Options o = parse(argc, argv);
    if (command == "submit") return submit(o);
    if (command == "create") return create(o);
    if (command == "wait") return wait(o);
    if (command == "times") return times(o);
    if (command == "mockwait") return mockwait(o);
    if (command == "commits") return commits(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_load %s: %s\n", command.c_str(), e.what());
    return 2;
  }
  std::fprintf(stderr,
               "usage: bench_load submit|create|wait|mockwait|times|commits [--flag value ...] (see load.cpp)\n");
  return 2;
}
