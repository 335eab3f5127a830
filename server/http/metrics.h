// Process-wide counters and histograms for GET /metrics that are not kept
// elsewhere: job and step durations (fed by whoever sees a job or step
// finish, normally the scheduler through a hook set up in main), HTTP
// requests by route and status, open SSE streams. Depends on nothing in
// runtime/, so the scheduler side can be wired to it without a cycle.
//
// Thread-safe; every call is a short lock. Label values come from a bounded
// set (pipelines, agents, route patterns), never from request data.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace agentry::server {

class Metrics {
 public:
  // Upper bounds in seconds; one more bucket counts everything above (+Inf).
  // Jobs run minutes (a full plan 5–15 min), steps seconds to a minute.
  static constexpr std::array<double, 12> kJobBounds{1, 5, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600};
  static constexpr std::array<double, 12> kStepBounds{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300};

  // A job reached a final status (completed, failed, cancelled) after `seconds`.
  void observe_job_duration(std::string_view pipeline, std::string_view status, double seconds);
  // One agent step (run_agent) took `seconds`, LLM calls included.
  void observe_step_duration(std::string_view agent, double seconds);
  // One HTTP response; `route` is the route pattern ("/api/v1/jobs/{id}").
  void count_http_request(std::string_view route, std::string_view method, int status);
  void set_sse_streams(int open) { sse_streams_.store(open, std::memory_order_relaxed); }

  // Prometheus text exposition of the families above (agentry_job_duration_seconds,
  // agentry_step_duration_seconds, agentry_http_requests_total, agentry_sse_streams).
  void write_prometheus(std::ostream& out) const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // per bucket, not cumulative; last is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  template <size_t N>
  static void observe(Histogram& h, const std::array<double, N>& bounds, double value);

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string>, Histogram> jobs_;  // (pipeline, status)
  std::map<std::string, Histogram> steps_;                          // agent
  std::map<std::tuple<std::string, std::string, int>, uint64_t> http_;
  std::atomic<int> sse_streams_{0};
};

// The process-wide instance.
Metrics& metrics();

// Prometheus label value escaping (backslash, quote, newline).
std::string escape_label(std::string_view value);
// Shortest text that reads back as the same double ("0.25", "1e+06").
std::string format_number(double value);

}  // namespace agentry::server
