// Several "processes" (independent JobStore instances, each with its own
// connections) and threads claiming from one database at once.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "jobs/store_fixture.h"

using namespace agentry::jobs;
using namespace agentry::test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(store_concurrency)

namespace {

// `processes` independent stores on one database where `jobs` jobs wait.
std::vector<std::unique_ptr<JobStore>> stores_with_waiting_jobs(const std::string& url, int jobs, int processes,
                                                                int pool_size) {
  {
    auto store = open_store(url);
    for (int i = 0; i < jobs; ++i) store->create(new_job());
  }
  std::vector<std::unique_ptr<JobStore>> stores;
  for (int p = 0; p < processes; ++p) stores.push_back(open_store(url, pool_size));
  return stores;
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(concurrent_claims_never_share_a_job_or_exceed_the_global_limit, B, Backends) {
  const auto url = B::fresh_url();
  constexpr int kJobs = 60;
  constexpr int kLimit = 3;
  constexpr int kProcesses = 3;
  constexpr int kThreadsEach = 2;
  const auto processes = stores_with_waiting_jobs(url, kJobs, kProcesses, 2);

  std::mutex mutex;
  std::map<std::string, int> claims;  // job id -> times claimed
  int running = 0;
  int most_running = 0;
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProcesses; ++p) {
    for (int t = 0; t < kThreadsEach; ++t) {
      threads.emplace_back([&, p, t] {
        JobStore& store = *processes[p];
        const std::string worker = "p" + std::to_string(p) + "t" + std::to_string(t);
        while (finished.load() < kJobs) {
          const auto claimed = store.claim(claim_request(worker, 1, kLimit));
          if (claimed.empty()) {
            std::this_thread::sleep_for(1ms);
            continue;
          }
          {
            // Counted after the claim committed and uncounted before the
            // completion commits, so this never exceeds the database's count.
            std::lock_guard lock(mutex);
            ++claims[claimed[0].job.id];
            most_running = std::max(most_running, ++running);
          }
          std::this_thread::sleep_for(3ms);
          {
            std::lock_guard lock(mutex);
            --running;
          }
          store.complete(claimed[0].lease, {{"by", worker}}, {}, {});
          ++finished;
        }
      });
    }
  }
  for (auto& t : threads) t.join();

  BOOST_TEST(claims.size() == static_cast<size_t>(kJobs));
  for (const auto& [id, n] : claims) BOOST_TEST(n == 1, "job " << id << " claimed " << n << " times");
  BOOST_TEST(most_running <= kLimit);
  BOOST_TEST(most_running >= 2, "claims never overlapped, the test proves nothing");
  BOOST_TEST(processes[0]->count_by_status().at(JobStatus::completed) == kJobs);
}

// A completion hands its slot to the next waiting job without the claim lock
// (MySQL): hand-overs of every process run side by side with each other and
// with claims under the lock.
BOOST_AUTO_TEST_CASE_TEMPLATE(hand_overs_beside_claims_never_share_a_job_or_exceed_the_global_limit, B, Backends) {
  const auto url = B::fresh_url();
  constexpr int kJobs = 80;
  constexpr int kLimit = 4;
  constexpr int kProcesses = 3;
  constexpr int kThreadsEach = 2;
  const auto processes = stores_with_waiting_jobs(url, kJobs, kProcesses, 3);

  std::mutex mutex;
  std::map<std::string, int> starts;  // job id -> times started
  int hand_overs = 0;
  std::atomic<int> finished{0};
  std::atomic<int64_t> most_running_seen{0};
  std::atomic<bool> done{false};
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  // The database's own count, sampled while claims and hand-overs commit.
  std::thread sampler([&] {
    while (!done) {
      const auto counts = processes[0]->count_by_status();
      const auto it = counts.find(JobStatus::running);
      const int64_t running = it == counts.end() ? 0 : it->second;
      if (running > most_running_seen) most_running_seen = running;
    }
  });
  std::vector<std::thread> threads;
  for (int p = 0; p < kProcesses; ++p) {
    for (int t = 0; t < kThreadsEach; ++t) {
      threads.emplace_back([&, p, t] {
        JobStore& store = *processes[p];
        const std::string worker = "p" + std::to_string(p) + "t" + std::to_string(t);
        while (finished.load() < kJobs && std::chrono::steady_clock::now() < deadline) {
          auto claimed = store.claim(claim_request(worker, 1, kLimit));
          while (!claimed.empty()) {
            const auto lease = claimed[0].lease;
            {
              std::lock_guard lock(mutex);
              ++starts[lease.job_id];
            }
            std::this_thread::sleep_for(2ms);
            claimed = store.complete_and_claim(lease, JobResult::text(R"({"ok":true})"), {}, {}, "", nullptr,
                                               claim_request(worker, 1, kLimit, now_ms()));
            ++finished;
            std::lock_guard lock(mutex);
            hand_overs += static_cast<int>(claimed.size());
          }
          std::this_thread::sleep_for(1ms);
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  done = true;
  sampler.join();

  BOOST_TEST(starts.size() == static_cast<size_t>(kJobs));
  for (const auto& [id, n] : starts) BOOST_TEST(n == 1, "job " << id << " started " << n << " times");
  BOOST_TEST(most_running_seen.load() <= kLimit);
  BOOST_TEST(most_running_seen.load() >= 2, "jobs never overlapped, the test proves nothing");
  BOOST_TEST(hand_overs >= kJobs / 2, "only " << hand_overs << " hand-overs: the test proves little");
  BOOST_TEST(processes[0]->count_by_status().at(JobStatus::completed) == kJobs);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_heartbeat_racing_the_watchdog_leaves_exactly_one_outcome, B, Backends) {
  const auto url = B::fresh_url();
  auto worker = open_store(url, 2);
  auto watchdog = open_store(url, 2);
  for (int round = 0; round < 20; ++round) {
    const auto id = worker->create(new_job()).job.id;
    const TimePoint t0 = now_ms();
    const auto lease = worker->claim(claim_request("w", 1, 100, t0)).at(0).lease;
    LeaseStatus beat{};
    WatchdogReport report;
    std::thread a([&] { beat = worker->heartbeat(lease, 60s, t0 + 61s); });
    std::thread b([&] { report = watchdog->rescue_expired_leases(t0 + 61s, 3); });
    a.join();
    b.join();
    const auto job = worker->get(id);
    if (beat == LeaseStatus::held) {
      BOOST_TEST(report.requeued.empty());
      BOOST_TEST(to_string(job->status) == "running");
    } else {
      BOOST_TEST((report.requeued == std::vector<std::string>{id}));
      BOOST_TEST(to_string(job->status) == "pending");
    }
    worker->cancel(id);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_pool_of_one_connection_serves_many_threads_by_waiting, B, Backends) {
  auto store = open_store(B::fresh_url(), 1);
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 15; ++i) {
        store->create(new_job());
        ++created;
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(created.load() == 90);
  BOOST_TEST(store->count_by_status().at(JobStatus::pending) == 90);
}

BOOST_AUTO_TEST_SUITE_END()
