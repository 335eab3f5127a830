// Latency of the job store's hot calls on one backend, single-threaded, plus
// create throughput from 8 threads, and operations per second of the four
// calls a job's life is made of on 1 and on 2 threads. Usage:
//   bench_store [URL] [jobs]
// URL defaults to a fresh SQLite file ./bench-store.db. A MySQL URL's agentry
// tables are EMPTIED first: point it at a bench database (tools/mariadb-test
// creates agentry_bench).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/jobs/sql/database_url.h"
#include "runtime/jobs/sql/mysql_connection.h"
#include "runtime/jobs/store.h"

using namespace agentry::jobs;
using Micros = std::chrono::duration<double, std::micro>;

namespace {

struct Stats {
  double median_us;
  double p99_us;
};

Stats measure(int n, const std::function<void(int)>& call) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    call(i);
    us.push_back(Micros(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

void row(const char* what, Stats s) { std::printf("| %-44s | %9.0f | %9.0f |\n", what, s.median_us, s.p99_us); }

std::string prepare(const std::string& url) {
  const auto parsed = sql::parse_database_url(url);
  if (parsed.backend == sql::Backend::sqlite) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(parsed.sqlite_path + suffix);
    return url;
  }
  StoreOptions o;
  o.url = url;
  JobStore::open(o);
  auto c = sql::open_mysql(parsed.mysql, std::chrono::seconds(10));
  for (const char* t : {"agentry_job_events", "agentry_job_steps", "agentry_jobs"})
    c->execute(std::string("DELETE FROM ") + t, {});
  return url;
}

// Runs `op(thread, i)` `per_thread` times on each of `threads` threads;
// returns operations per second over all of them.
double throughput(int threads, int per_thread, const std::function<void(int, int)>& op) {
  std::vector<std::thread> pool;
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) op(t, i);
    });
  for (auto& th : pool) th.join();
  return threads * per_thread / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void throughput_table(JobStore& store, const NewJob& job, int per_thread) {
  std::printf("\n| threads | creates/s | claim+complete/s | step checkpoints/s | get-by-id/s |\n|---:|---:|---:|---:|---:|\n");
  for (int threads : {1, 2}) {
    std::vector<std::vector<std::string>> ids(static_cast<size_t>(threads));
    const double creates = throughput(threads, per_thread, [&](int t, int) {
      ids[static_cast<size_t>(t)].push_back(store.create(job).job.id);
    });
    std::vector<std::vector<Lease>> leases(static_cast<size_t>(threads));
    StepRecord step;
    step.agent = "E1";
    step.output = {{"profile", std::string(1000, 'x')}};
    Progress p;
    const double claims = throughput(threads, per_thread, [&](int t, int) {
      ClaimRequest r;
      r.worker_id = "bench-" + std::to_string(t);
      r.max_running = 1 << 20;
      for (auto& c : store.claim(r)) leases[static_cast<size_t>(t)].push_back(c.lease);
      if (!leases[static_cast<size_t>(t)].empty()) {
        // Complete every other claim so checkpoints below still have running jobs.
        if (leases[static_cast<size_t>(t)].size() % 2 == 0) {
          store.complete(leases[static_cast<size_t>(t)].back(), {{"ok", true}}, p, {});
          leases[static_cast<size_t>(t)].pop_back();
        }
      }
    });
    const double checkpoints = throughput(threads, per_thread, [&](int t, int i) {
      auto& mine = leases[static_cast<size_t>(t)];
      if (mine.empty()) return;
      step.key = std::to_string(i);
      StepRecord s = step;
      store.checkpoint(mine[static_cast<size_t>(i) % mine.size()], s, p, {}, {});
    });
    const double gets = throughput(threads, per_thread, [&](int t, int i) {
      const auto& mine = ids[static_cast<size_t>(t)];
      store.get(mine[static_cast<size_t>(i) % mine.size()]);
    });
    std::printf("| %d | %.0f | %.0f | %.0f | %.0f |\n", threads, creates, claims, checkpoints, gets);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] == '-') {  // no flags: an option must not become a database file
    std::fprintf(stderr, "usage: bench_store [URL] [jobs]\n");
    return argv[1] == std::string("--help") ? 0 : 2;
  }
  const std::string url = prepare(argc > 1 ? argv[1] : "bench-store.db");
  const int n = argc > 2 ? std::stoi(argv[2]) : 1000;
  StoreOptions options;
  options.url = url;
  options.pool_size = 8;
  auto store = JobStore::open(options);
  std::printf("backend %s, %d jobs\n\n", store->backend().c_str(), n);
  std::printf("| %-44s | %9s | %9s |\n|---|---:|---:|\n", "call", "median µs", "p99 µs");

  NewJob job;
  job.pipeline = "full";
  job.input = {{"client", {{"name", "Ана"}, {"age", 34}, {"goals", {"strength", "fat loss"}}}}};
  std::vector<std::string> ids(static_cast<size_t>(n));
  row("create (job + created event)",
      measure(n, [&](int i) { ids[static_cast<size_t>(i)] = store->create(job).job.id; }));
  row("get pending job (+ queue position, 1 event)",
      measure(n, [&](int i) { store->get(ids[static_cast<size_t>(i)]); }));

  std::vector<Lease> leases;
  row("claim 1 of the waiting jobs", measure(n, [&](int) {
        ClaimRequest r;
        r.worker_id = "bench";
        r.max_running = n + 1;
        for (auto& c : store->claim(r)) leases.push_back(c.lease);
      }));
  row("heartbeat",
      measure(n, [&](int i) { store->heartbeat(leases[static_cast<size_t>(i)], std::chrono::seconds(60)); }));

  StepRecord small;
  small.agent = "E1";
  small.output = {{"profile", std::string(1000, 'x')}};
  Progress p;
  p.phase = "training";
  p.message = "Agent E1 completed";
  const std::vector<Event> events = {Event{0, now_ms(), "agent_completed", "E1 in 12.3 s"}};
  row("checkpoint 1 KiB step (+ progress, event)", measure(n, [&](int i) {
        small.key = "0001";
        store->checkpoint(leases[static_cast<size_t>(i)], small, p, {}, events);
      }));
  StepRecord big = small;
  big.output = {{"plan", std::string(100 * 1024, 'y')}};
  row("checkpoint 100 KiB step", measure(std::min(n, 300), [&](int i) {
        big.key = "0002";
        store->checkpoint(leases[static_cast<size_t>(i)], big, p, {}, events);
      }));
  row("find_step (replay on resume)",
      measure(n, [&](int i) { store->find_step(leases[static_cast<size_t>(i)], "0001"); }));
  row("log 1 event", measure(n, [&](int i) {
        store->log(leases[static_cast<size_t>(i)], {Event{0, now_ms(), "agent_started", "E2"}});
      }));
  row("get running job (5 events)", measure(n, [&](int i) { store->get(leases[static_cast<size_t>(i)].job_id); }));
  ListQuery q;
  q.limit = 50;
  row("list 50 newest", measure(std::min(n, 300), [&](int) { store->list(q); }));
  row("complete (+ event)", measure(n, [&](int i) {
        store->complete(leases[static_cast<size_t>(i)], {{"ok", true}}, p, {});
      }));

  constexpr int kThreads = 8;
  const int per_thread = std::max(1, n / kThreads);
  std::vector<std::thread> threads;
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) store->create(job);
    });
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("\ncreate throughput, %d threads: %.0f jobs/s\n", kThreads, kThreads * per_thread / secs);

  // The worst claim: a burst arrived while the global limit is reached, and
  // this claim marks every one of them queued (once per job).
  ClaimRequest at_limit;
  at_limit.worker_id = "bench";
  at_limit.max_running = 1;
  const auto t1 = std::chrono::steady_clock::now();
  const auto claimed = store->claim(at_limit);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  std::printf("claim at the limit marking %lld waiting jobs queued: %.0f ms\n",
              static_cast<long long>(store->count_by_status().at(JobStatus::queued)), ms);
  throughput_table(*store, job, std::max(100, n / 2));
  return claimed.size() == 1 ? 0 : 1;
}
