// Protecting the API: concurrent requests, requests per minute and tokens
// per minute are capped inside the client; waiting callers are told why and
// can be cancelled.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

BOOST_AUTO_TEST_SUITE(rate_limits)

BOOST_AUTO_TEST_CASE(twenty_callers_never_exceed_five_requests_in_flight) {
  server::MockLlmOptions options;
  options.latency = 100ms;
  MockApi api(options);
  auto client = api.client(fast_retries(), {5, 0, 0});
  std::vector<RecordingListener> listeners(20);
  std::atomic<int> completed{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 20; ++i) {
    callers.emplace_back([&, i] {
      TestControl control;
      client->chat(simple_request("agent" + std::to_string(i)), control, listeners[static_cast<size_t>(i)]);
      ++completed;
    });
  }
  for (auto& t : callers) t.join();

  const auto stats = api.server.stats();
  BOOST_TEST_MESSAGE("20 callers, limit 5: the mock saw at most " << stats.max_in_flight << " in flight");
  BOOST_TEST(completed == 20);
  BOOST_TEST(stats.total == 20);
  BOOST_TEST(stats.max_in_flight <= 5);
  BOOST_TEST(stats.max_in_flight >= 2, "callers did run in parallel");
  int waited = 0;
  for (const auto& l : listeners) {
    for (const auto& message : l.waits()) {
      BOOST_TEST(message == "waiting for LLM capacity (5/5 requests in flight)");
      ++waited;
    }
  }
  BOOST_TEST(waited >= 10, "at least 15 callers had to wait; " << waited << " said so");
  BOOST_TEST(api.metrics.snapshot().waits >= 10u);
}

BOOST_AUTO_TEST_CASE(requests_per_minute_spread_calls_out) {
  MockApi api;
  // 600 per minute: bursts of 10, then one every 100 ms.
  auto client = api.client(fast_retries(), {0, 600, 0});
  TestControl control;
  RecordingListener listener;
  const auto started = Clock::now();
  for (int i = 0; i < 15; ++i) client->chat(simple_request(), control, listener);
  const auto elapsed = ms_between(started, Clock::now());
  BOOST_TEST(elapsed >= 400, "15 calls took " << elapsed << " ms");
  BOOST_TEST(elapsed < 2000);
  const auto waits = listener.waits();
  BOOST_REQUIRE(!waits.empty());
  BOOST_TEST(waits[0] == "waiting for LLM capacity (600 requests per minute)");
}

BOOST_AUTO_TEST_CASE(tokens_per_minute_hold_back_a_request_until_the_bucket_refills) {
  // 6000 per minute: a burst of 100 tokens, 100 more each second.
  RateLimiter limiter({0, 0, 6000});
  TestControl control;
  std::vector<std::string> messages;
  const auto note = [&](const std::string& m) { messages.push_back(m); };
  { auto first = limiter.acquire(100, control, note); }
  const auto started = Clock::now();
  { auto second = limiter.acquire(50, control, note); }
  const auto waited = ms_between(started, Clock::now());
  BOOST_TEST(waited >= 450, "waited " << waited << " ms");
  BOOST_TEST(waited < 1000);
  BOOST_REQUIRE(messages.size() == 1u);
  BOOST_TEST(messages[0] == "waiting for LLM capacity (6000 tokens per minute)");
}

BOOST_AUTO_TEST_CASE(settling_charges_what_the_call_really_used) {
  RateLimiter limiter({0, 0, 6000});
  TestControl control;
  const auto ignore = [](const std::string&) {};
  {
    auto permit = limiter.acquire(100, control, ignore);
    permit.settle(10);  // 90 tokens come back
  }
  const auto started = Clock::now();
  { auto next = limiter.acquire(80, control, ignore); }
  BOOST_TEST(ms_between(started, Clock::now()) < 100);
}

BOOST_AUTO_TEST_CASE(waiting_callers_are_served_in_arrival_order) {
  RateLimiter limiter({1, 0, 0});
  TestControl control;
  const auto ignore = [](const std::string&) {};
  std::mutex mutex;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  {
    auto holder = limiter.acquire(1, control, ignore);
    for (int i = 0; i < 4; ++i) {
      waiters.emplace_back([&, i] {
        auto permit = limiter.acquire(1, control, ignore);
        std::lock_guard lock(mutex);
        order.push_back(i);
      });
      std::this_thread::sleep_for(30ms);  // arrive one after another
    }
  }
  for (auto& t : waiters) t.join();
  BOOST_TEST(order == (std::vector<int>{0, 1, 2, 3}), "order");
}

BOOST_AUTO_TEST_CASE(a_caller_waiting_for_capacity_can_be_cancelled) {
  RateLimiter limiter({1, 0, 0});
  TestControl holder_control;
  const auto ignore = [](const std::string&) {};
  auto holder = limiter.acquire(1, holder_control, ignore);

  TestControl control;
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    control.cancel();
  });
  const auto started = Clock::now();
  try {
    limiter.acquire(1, control, ignore);
    BOOST_FAIL("acquire should have been cancelled");
  } catch (const LlmError& e) {
    BOOST_TEST((e.kind == LlmError::Kind::cancelled));
  }
  canceller.join();
  BOOST_TEST(ms_between(started, Clock::now()) < 300);
  BOOST_TEST(limiter.in_flight() == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
