#include "server/http/metrics.h"

#include <charconv>
#include <cmath>

namespace agentry::server {
namespace {

template <size_t N>
void write_histogram(std::ostream& out, const std::string& name, const std::string& labels,
                     const std::array<double, N>& bounds, const std::vector<uint64_t>& buckets, double sum,
                     uint64_t count) {
  const std::string prefix = labels.empty() ? "" : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < N; ++i) {
    cumulative += buckets[i];
    out << name << "_bucket{" << prefix << "le=\"" << format_number(bounds[i]) << "\"} " << cumulative << '\n';
  }
  out << name << "_bucket{" << prefix << "le=\"+Inf\"} " << count << '\n';
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out << name << "_sum" << braces << ' ' << format_number(sum) << '\n';
  out << name << "_count" << braces << ' ' << count << '\n';
}

}  // namespace

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\' || c == '"')
      out += {'\\', c};
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

template <size_t N>
void Metrics::observe(Histogram& h, const std::array<double, N>& bounds, double value) {
  if (h.buckets.empty()) h.buckets.assign(N + 1, 0);
  size_t i = 0;
  while (i < N && value > bounds[i]) ++i;
  ++h.buckets[i];
  h.sum += value;
  ++h.count;
}

void Metrics::observe_job_duration(std::string_view pipeline, std::string_view status, double seconds) {
  std::lock_guard lock(mutex_);
  observe(jobs_[{std::string(pipeline), std::string(status)}], kJobBounds, seconds);
}

void Metrics::observe_step_duration(std::string_view agent, double seconds) {
  std::lock_guard lock(mutex_);
  observe(steps_[std::string(agent)], kStepBounds, seconds);
}

void Metrics::count_http_request(std::string_view route, std::string_view method, int status) {
  std::lock_guard lock(mutex_);
  ++http_[{std::string(route), std::string(method), status}];
}

void Metrics::write_prometheus(std::ostream& out) const {
  std::lock_guard lock(mutex_);
  out << "# HELP agentry_job_duration_seconds Time from a job's start to its final status.\n"
         "# TYPE agentry_job_duration_seconds histogram\n";
  for (const auto& [key, h] : jobs_) {
    const auto& [pipeline, status] = key;
    write_histogram(out, "agentry_job_duration_seconds",
                    "pipeline=\"" + escape_label(pipeline) + "\",status=\"" + escape_label(status) + "\"", kJobBounds,
                    h.buckets, h.sum, h.count);
  }
  out << "# HELP agentry_step_duration_seconds Time one agent step took, LLM calls included.\n"
         "# TYPE agentry_step_duration_seconds histogram\n";
  for (const auto& [agent, h] : steps_)
    write_histogram(out, "agentry_step_duration_seconds", "agent=\"" + escape_label(agent) + "\"", kStepBounds,
                    h.buckets, h.sum, h.count);
  out << "# HELP agentry_http_requests_total HTTP responses by route pattern, method and status.\n"
         "# TYPE agentry_http_requests_total counter\n";
  for (const auto& [key, n] : http_) {
    const auto& [route, method, status] = key;
    out << "agentry_http_requests_total{route=\"" << escape_label(route) << "\",method=\"" << escape_label(method)
        << "\",code=\"" << status << "\"} " << n << '\n';
  }
  out << "# HELP agentry_sse_streams Open Server-Sent Events streams.\n"
         "# TYPE agentry_sse_streams gauge\n"
      << "agentry_sse_streams " << sse_streams_.load(std::memory_order_relaxed) << '\n';
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

}  // namespace agentry::server
