// A worker thread whose job completes takes the next waiting job in the same
// transaction, instead of leaving the slot empty until the claim loop runs.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include "runtime/jobs/sql_job_store.h"
#include "runtime/llm/mock_provider.h"
#include "runtime/scheduler/scheduler.h"
#include "support/script_dir.h"
#include "support/store_databases.h"

using namespace agentry;
using namespace std::chrono_literals;

namespace {

// Counts the jobs each way of claiming started.
class CountingStore final : public jobs::SqlJobStore {
 public:
  explicit CountingStore(const std::string& url) : SqlJobStore(jobs::sql::parse_database_url(url), options(url)) {}

  std::vector<jobs::ClaimedJob> claim(const jobs::ClaimRequest& request) override {
    auto claimed = SqlJobStore::claim(request);
    by_claim_loop += static_cast<int>(claimed.size());
    return claimed;
  }
  std::vector<jobs::ClaimedJob> complete_and_claim(const jobs::Lease& lease, const jobs::JobResult& result,
                                                   const jobs::Progress& progress, const jobs::JobTotals& totals,
                                                   const std::string& summary, const jobs::StepCheckpoint* last_step,
                                                   const jobs::ClaimRequest& next) override {
    auto claimed = SqlJobStore::complete_and_claim(lease, result, progress, totals, summary, last_step, next);
    by_completion += static_cast<int>(claimed.size());
    return claimed;
  }

  std::atomic<int> by_claim_loop{0};
  std::atomic<int> by_completion{0};

 private:
  static jobs::StoreOptions options(const std::string& url) {
    jobs::StoreOptions o;
    o.url = url;
    o.pool_size = 4;
    return o;
  }
};

void check_handoff(const std::string& url) {
  testing::ScriptDir dir;
  dir.write("pipelines/quick.lua",
            "return pipeline { name = 'quick', run = function(input) return { n = input.n } end }\n");
  lua::ScriptRegistry registry(dir.path());
  BOOST_REQUIRE(registry.reload().published);
  CountingStore store(url);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(store.create({.pipeline = "quick", .input = {{"n", i}}}).job.id);
    std::this_thread::sleep_for(2ms);  // distinct created_at: FIFO is by time
  }

  scheduler::SchedulerOptions options;
  options.max_running = 1;
  options.worker_id = "handoff";
  options.poll_interval = 20ms;  // the claim loop would be quick to take a free slot too
  scheduler::Scheduler scheduler(options, store, registry,
                                 std::make_shared<llm::LlmClient>(std::make_shared<llm::MockProvider>()));
  scheduler.start();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (scheduler.stats().completed < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  scheduler.shutdown();

  BOOST_TEST(scheduler.stats().completed == 4u);
  BOOST_TEST(store.by_claim_loop.load() == 1, "only the first job waited for the claim loop");
  BOOST_TEST(store.by_completion.load() == 3);
  for (size_t i = 1; i < ids.size(); ++i) {
    jobs::JobStore& reader = store;
    const auto before = reader.get(ids[i - 1]);
    const auto after = reader.get(ids[i]);
    BOOST_TEST(jobs::to_string(after->status) == "completed");
    BOOST_TEST((after->started_at == before->completed_at), "job " << i << " started as job " << i - 1 << " completed");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scheduler_handoff)

BOOST_AUTO_TEST_CASE(a_completing_job_hands_its_slot_to_the_next_on_sqlite) { check_handoff(test::fresh_sqlite_url()); }

BOOST_AUTO_TEST_CASE(a_completing_job_hands_its_slot_to_the_next_on_mariadb) { check_handoff(test::fresh_mysql_url()); }

BOOST_AUTO_TEST_SUITE_END()
