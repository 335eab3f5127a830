// Queue positions served from one read of the waiting jobs: exact while this
// process is the only one changing the queue, and never older than max_age
// when another process changes it.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "runtime/jobs/queue_ranks.h"
#include "store_fixture.h"

namespace agentry::test {

using namespace std::chrono_literals;
using jobs::QueueRanks;

BOOST_AUTO_TEST_SUITE(queue_ranks)

BOOST_AUTO_TEST_CASE(a_snapshot_answers_until_the_queue_changes) {
  QueueRanks ranks(10s, 100);
  BOOST_TEST(!ranks.find("a"));
  const auto version = ranks.version();
  BOOST_REQUIRE(ranks.begin_refresh());
  BOOST_TEST(!ranks.begin_refresh(), "one reader at a time");
  ranks.install(version, {"a", "b", "c"});
  BOOST_TEST(ranks.find("a").value_or(-1) == 1);
  BOOST_TEST(ranks.find("c").value_or(-1) == 3);
  BOOST_TEST(!ranks.find("d"), "not in the snapshot: the caller counts");
  BOOST_TEST(!ranks.begin_refresh(), "the snapshot is current");
  ranks.changed();
  BOOST_TEST(!ranks.find("a"));
  BOOST_TEST(ranks.begin_refresh());
}

BOOST_AUTO_TEST_CASE(a_change_during_the_read_leaves_the_snapshot_stale) {
  QueueRanks ranks(10s, 100);
  const auto version = ranks.version();
  BOOST_REQUIRE(ranks.begin_refresh());
  ranks.changed();  // committed while the ids were being read
  ranks.install(version, {"a"});
  BOOST_TEST(!ranks.find("a"));
}

BOOST_AUTO_TEST_CASE(a_snapshot_expires_after_max_age) {
  QueueRanks ranks(50ms, 100);
  const auto version = ranks.version();
  BOOST_REQUIRE(ranks.begin_refresh());
  ranks.install(version, {"a"});
  BOOST_TEST(ranks.find("a").value_or(-1) == 1);
  std::this_thread::sleep_for(80ms);
  BOOST_TEST(!ranks.find("a"));
}

BOOST_AUTO_TEST_CASE(an_abandoned_refresh_lets_the_next_caller_read) {
  QueueRanks ranks(10s, 100);
  BOOST_REQUIRE(ranks.begin_refresh());
  ranks.abandon_refresh();
  BOOST_TEST(ranks.begin_refresh());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(positions_follow_this_processs_changes_at_once, B, Backends) {
  auto store = open_store(B::fresh_url());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(store->create(new_job()).job.id);
  BOOST_TEST(store->get(ids[4])->queue_position.value_or(-1) == 5);
  store->cancel(ids[1], "not needed");
  BOOST_TEST(store->get(ids[4])->queue_position.value_or(-1) == 4);
  store->claim(claim_request("w1", 2, 5));
  BOOST_TEST(store->get(ids[4])->queue_position.value_or(-1) == 2);
  const auto urgent = store->create(new_job("training", -1)).job.id;
  BOOST_TEST(store->get(urgent)->queue_position.value_or(-1) == 1);
  BOOST_TEST(store->get(ids[4])->queue_position.value_or(-1) == 3);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(another_processs_claims_show_within_max_age, B, Backends) {
  const auto url = B::fresh_url();
  jobs::StoreOptions options;
  options.url = url;
  options.pool_size = 2;
  options.queue_ranks_max_age = 200ms;
  auto api = jobs::JobStore::open(options);
  auto worker = open_store(url);  // another process, as far as `api` can tell
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(worker->create(new_job()).job.id);
  BOOST_TEST(api->get(ids[3])->queue_position.value_or(-1) == 4);
  worker->claim(claim_request("w1", 2, 5));
  // Up to max_age later the position may still be the old one, never more.
  std::this_thread::sleep_for(250ms);
  BOOST_TEST(api->get(ids[3])->queue_position.value_or(-1) == 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::test
