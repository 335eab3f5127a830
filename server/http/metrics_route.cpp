// GET /metrics: Prometheus text built from the store (jobs per status), the
// server's registry (durations, HTTP requests, streams), the LLM client's
// counters and this process's scheduler.
#include <algorithm>
#include <optional>
#include <sstream>

#include "runtime/llm/llm_metrics.h"
#include "runtime/metrics/cpu_by_part.h"
#include "server/http/routes.h"

namespace agentry::server {
namespace {

void write_job_gauges(std::ostream& out, jobs::JobStore& store) {
  std::map<jobs::JobStatus, int64_t> counts;
  std::optional<jobs::TimePoint> oldest_waiting;
  bool up = true;
  try {
    counts = store.count_by_status();
    oldest_waiting = store.oldest_waiting_created_at();
  } catch (const std::exception&) {
    up = false;  // the rest of the page is still worth scraping
  }
  out << "# HELP agentry_store_up Whether the job database answered this scrape.\n"
         "# TYPE agentry_store_up gauge\n"
      << "agentry_store_up " << (up ? 1 : 0) << '\n';
  if (!up) return;
  out << "# HELP agentry_jobs Jobs in the database by status.\n# TYPE agentry_jobs gauge\n";
  for (auto status : {jobs::JobStatus::pending, jobs::JobStatus::queued, jobs::JobStatus::running,
                      jobs::JobStatus::completed, jobs::JobStatus::failed, jobs::JobStatus::cancelled})
    out << "agentry_jobs{status=\"" << jobs::to_string(status) << "\"} " << counts[status] << '\n';
  out << "# HELP agentry_queue_depth Jobs waiting to run (pending + queued).\n# TYPE agentry_queue_depth gauge\n"
      << "agentry_queue_depth " << counts[jobs::JobStatus::pending] + counts[jobs::JobStatus::queued] << '\n';
  // A queue that is long but moving keeps this small; a stuck one makes it grow.
  const double age_s =
      oldest_waiting ? std::max<double>(0, static_cast<double>((jobs::now_ms() - *oldest_waiting).count()) / 1000.0)
                     : 0;
  out << "# HELP agentry_queue_oldest_age_seconds How long the longest-waiting job has waited (0: none waits).\n"
         "# TYPE agentry_queue_oldest_age_seconds gauge\n"
      << "agentry_queue_oldest_age_seconds " << age_s << '\n';
}

void write_scheduler(std::ostream& out, const scheduler::Scheduler& scheduler) {
  const auto stats = scheduler.stats();
  const std::string worker = "worker=\"" + escape_label(scheduler.options().worker_id) + "\"";
  out << "# HELP agentry_scheduler_running Jobs running on this process's workers.\n"
         "# TYPE agentry_scheduler_running gauge\n"
      << "agentry_scheduler_running{" << worker << "} " << stats.running << '\n'
      << "# HELP agentry_scheduler_jobs_total Jobs this process's workers started and ended, by outcome.\n"
         "# TYPE agentry_scheduler_jobs_total counter\n";
  const std::pair<const char*, uint64_t> outcomes[] = {{"started", stats.started},
                                                       {"completed", stats.completed},
                                                       {"failed", stats.failed},
                                                       {"cancelled", stats.cancelled},
                                                       {"lost", stats.lost}};
  for (const auto& [outcome, n] : outcomes)
    out << "agentry_scheduler_jobs_total{" << worker << ",outcome=\"" << outcome << "\"} " << n << '\n';
  out << "# HELP agentry_scheduler_failed_total Jobs this process's workers failed, by error.reason.\n"
         "# TYPE agentry_scheduler_failed_total counter\n";
  for (const auto& [reason, n] : stats.failed_by_reason)
    out << "agentry_scheduler_failed_total{" << worker << ",reason=\"" << escape_label(reason) << "\"} " << n << '\n';
}

// Whether the database or the rest of the process takes the CPU
// (runtime/metrics/cpu_by_part.h).
void write_cpu(std::ostream& out) {
  using metrics::CpuPart;
  const std::pair<const char*, double> parts[] = {{"store", metrics::cpu_seconds(CpuPart::store)},
                                                  {"llm", metrics::cpu_seconds(CpuPart::llm)},
                                                  {"api", metrics::cpu_seconds(CpuPart::api)}};
  double counted = 0;
  out << "# HELP agentry_cpu_seconds_total CPU time of this process: inside database calls (store), inside LLM calls "
         "(llm: from a script's llm.chat table to the reply table it gets back, HTTP exchange included), serving HTTP requests apart from their database calls (api), "
         "and the rest (engine: scripts, scheduler).\n"
         "# TYPE agentry_cpu_seconds_total counter\n";
  for (const auto& [part, seconds] : parts) {
    out << "agentry_cpu_seconds_total{part=\"" << part << "\"} " << seconds << '\n';
    counted += seconds;
  }
  out << "agentry_cpu_seconds_total{part=\"engine\"} " << std::max(0.0, metrics::process_cpu_seconds() - counted)
      << '\n';
}

Reply scrape(RouteContext& ctx) {
  std::ostringstream out;
  write_job_gauges(out, ctx.services.store);
  ctx.metrics.write_prometheus(out);
  llm::llm_metrics().write_prometheus(out);
  write_cpu(out);
  if (ctx.services.scheduler) write_scheduler(out, *ctx.services.scheduler);
  return Reply::of_text("text/plain; version=0.0.4; charset=utf-8", out.str());
}

}  // namespace

void add_metrics_route(Router& router, RouteContext& ctx) {
  router.add("GET", "/metrics", Access::admin, [&ctx](ApiRequest&) { return scrape(ctx); });
}

}  // namespace agentry::server
