// The concurrency case with real processes: 2 processes, 4 threads
// each, claiming from 5,000 jobs on one database. Every job is claimed
// exactly once and the global limit holds at every instant.
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "store_fixture.h"

using namespace agentry;
using namespace agentry::test;
using namespace std::chrono_literals;

namespace {

constexpr int kJobs = 5000;
constexpr int kLimit = 6;
constexpr int kProcesses = 2;
constexpr int kThreadsEach = 4;

// Lives in memory shared by the forked processes.
struct Shared {
  std::atomic<int> running;
  std::atomic<int> most_running;
  std::atomic<int> finished;
  std::atomic<int> errors;
  std::atomic<unsigned char> claimed[kJobs];  // by creation index
};

// One worker process: its own store (connections are never shared across a
// fork), kThreadsEach claiming threads. Exits without returning to Boost.
[[noreturn]] void worker_process(const std::string& url, int process, Shared& shared,
                                 const std::map<std::string, int>& index_of) {
  try {
    auto store = open_store(url, kThreadsEach);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreadsEach; ++t)
      threads.emplace_back([&, t] {
        // snprintf, not operator+: GCC 12 at -O3 reports a false -Wrestrict there.
        char worker[32];
        std::snprintf(worker, sizeof worker, "p%dt%d", process, t);
        while (shared.finished.load() < kJobs) {
          std::vector<jobs::ClaimedJob> claimed;
          try {
            claimed = store->claim(claim_request(worker, 1, kLimit));
          } catch (const std::exception&) {
            ++shared.errors;
            continue;
          }
          if (claimed.empty()) {
            std::this_thread::sleep_for(200us);
            continue;
          }
          // Counted after the claim committed, uncounted before the completion
          // commits: never more than the database itself counts as running.
          const int now_running = ++shared.running;
          int most = shared.most_running.load();
          while (now_running > most && !shared.most_running.compare_exchange_weak(most, now_running)) {
          }
          auto it = index_of.find(claimed[0].job.id);
          if (it == index_of.end())
            ++shared.errors;
          else
            ++shared.claimed[it->second];
          std::this_thread::sleep_for(1ms);  // a job runs a while: claims must overlap
          --shared.running;
          store->complete(claimed[0].lease, {{"by", worker}}, {}, {});
          ++shared.finished;
        }
      });
    for (auto& t : threads) t.join();
  } catch (const std::exception&) {
    ++shared.errors;
  }
  _exit(0);
}

template <typename Backend>
void run_two_processes() {
  const auto url = Backend::fresh_url();
  std::map<std::string, int> index_of;
  {
    auto store = open_store(url);
    for (int i = 0; i < kJobs; ++i) index_of[store->create(new_job()).job.id] = i;
  }
  void* memory = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  BOOST_REQUIRE(memory != MAP_FAILED);
  auto* shared = new (memory) Shared{};
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) worker_process(url, p, *shared, index_of);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    BOOST_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  int once = 0;
  for (int i = 0; i < kJobs; ++i) once += shared->claimed[i].load() == 1;
  BOOST_CHECK_EQUAL(once, kJobs);
  BOOST_CHECK_EQUAL(shared->finished.load(), kJobs);
  BOOST_CHECK_EQUAL(shared->errors.load(), 0);
  BOOST_CHECK_LE(shared->most_running.load(), kLimit);
  BOOST_CHECK_MESSAGE(shared->most_running.load() >= 2, "claims never overlapped: the test proves nothing");
  BOOST_CHECK_EQUAL(open_store(url)->count_by_status().at(jobs::JobStatus::completed), kJobs);
  munmap(memory, sizeof(Shared));
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_processes_of_four_threads_claim_5000_jobs_exactly_once_on_sqlite) {
  run_two_processes<Sqlite>();
}

BOOST_AUTO_TEST_CASE(two_processes_of_four_threads_claim_5000_jobs_exactly_once_on_mariadb) {
  run_two_processes<MariaDb>();
}
