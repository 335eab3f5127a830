// Transient failures of a real HTTP exchange are retried and the call
// completes; Retry-After sets the wait; retries run out with a clear error.
#include <boost/test/unit_test.hpp>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

BOOST_AUTO_TEST_SUITE(transient_retry)

BOOST_AUTO_TEST_CASE(each_transient_status_is_retried_and_the_call_completes) {
  for (const std::string status : {"500", "502", "503", "504", "429"}) {
    BOOST_TEST_CONTEXT("status " << status) {
      MockApi api(script(status + ",ok"));
      auto client = api.client();
      TestControl control;
      RecordingListener listener;
      const ChatReply reply = client->chat(simple_request(), control, listener);
      BOOST_TEST(!reply.text.empty());
      BOOST_TEST(reply.retries == 1);
      BOOST_TEST(reply.usage.llm_calls == 2);
      BOOST_TEST(api.server.stats().total == 2);
      const auto retries = listener.retries();
      BOOST_REQUIRE(retries.size() == 1u);
      BOOST_TEST(retries[0].number == 1);
      BOOST_TEST(retries[0].reason.find(status) != std::string::npos, retries[0].reason);
      // Full jitter around the 50 ms test base: at most twice the nominal.
      BOOST_TEST(retries[0].delay.count() <= 100);
    }
  }
}

BOOST_AUTO_TEST_CASE(retry_after_in_seconds_sets_the_wait) {
  auto options = script("429,ok");
  options.retry_after_seconds = 1;
  MockApi api(options);
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  client->chat(simple_request(), control, listener);

  const auto retries = listener.retries();
  BOOST_REQUIRE(retries.size() == 1u);
  BOOST_TEST(retries[0].delay.count() == 1000);
  const auto requests = api.server.requests();
  BOOST_REQUIRE(requests.size() == 2u);
  const auto gap = ms_between(requests[0].at, requests[1].at);
  BOOST_TEST(gap >= 990, "second request " << gap << " ms after the first");
  BOOST_TEST(gap < 1500, "second request " << gap << " ms after the first");
}

BOOST_AUTO_TEST_CASE(retry_after_as_http_date_sets_the_wait) {
  auto options = script("503,ok");
  options.retry_after_seconds = 2;
  options.retry_after_as_date = true;
  MockApi api(options);
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  client->chat(simple_request(), control, listener);

  const auto retries = listener.retries();
  BOOST_REQUIRE(retries.size() == 1u);
  // An HTTP-date has whole seconds: "now + 2 s" truncated is 1–2 s away.
  BOOST_TEST(retries[0].delay.count() >= 900);
  BOOST_TEST(retries[0].delay.count() <= 2000);
  const auto requests = api.server.requests();
  BOOST_REQUIRE(requests.size() == 2u);
  BOOST_TEST(ms_between(requests[0].at, requests[1].at) >= retries[0].delay.count() - 10);
}

BOOST_AUTO_TEST_CASE(retry_after_counts_as_the_one_retry_it_answers) {
  auto options = script("429,429,ok");
  options.retry_after_seconds = 0;
  MockApi api(options);
  auto client = api.client(fast_retries(2));
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(simple_request(), control, listener);
  BOOST_TEST(reply.retries == 2);
  BOOST_TEST(listener.retries().size() == 2u);
}

BOOST_AUTO_TEST_CASE(connection_reset_is_retried) {
  MockApi api(script("reset,ok"));
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(simple_request(), control, listener);
  BOOST_TEST(reply.retries == 1);
  BOOST_REQUIRE(listener.retries().size() == 1u);
  BOOST_TEST(listener.retries()[0].reason.find("connection") != std::string::npos, listener.retries()[0].reason);
  BOOST_TEST(api.server.stats().by_status.at("reset") == 1);
}

BOOST_AUTO_TEST_CASE(read_timeout_on_a_hanging_server_is_retried) {
  MockApi api(script("hang,ok"));
  auto options = api.provider_options();
  options.read_timeout = 300ms;
  auto client = api.client_with(options);
  TestControl control;
  RecordingListener listener;
  const auto started = Clock::now();
  const ChatReply reply = client->chat(simple_request(), control, listener);
  BOOST_TEST(reply.retries == 1);
  BOOST_TEST(ms_between(started, Clock::now()) >= 300);
  BOOST_REQUIRE(listener.retries().size() == 1u);
  BOOST_TEST(listener.retries()[0].reason.find("read timeout (300 ms)") != std::string::npos,
             listener.retries()[0].reason);
}

namespace {

// Calls a server that never answers under a 300 ms call timeout and returns
// how long the call took to fail with the call-timeout error. With
// `kept_alive`, an answered call first leaves its connection open for it.
int64_t ms_to_call_timeout(bool kept_alive) {
  MockApi api(script(kept_alive ? "ok,hang" : "hang"));
  auto options = api.provider_options();
  options.read_timeout = 10s;
  options.call_timeout = 300ms;
  auto client = api.client_with(options, fast_retries(0));
  TestControl control;
  RecordingListener listener;
  if (kept_alive) client->chat(simple_request(), control, listener);
  const auto started = Clock::now();
  try {
    client->chat(simple_request(), control, listener);
    BOOST_FAIL("the call should have failed");
  } catch (const LlmError& e) {
    BOOST_TEST(std::string(e.what()).find("call timeout") != std::string::npos, e.what());
  }
  const auto elapsed = ms_between(started, Clock::now());
  BOOST_TEST(api.server.stats().connections == 1u);
  return elapsed;
}

}  // namespace

BOOST_AUTO_TEST_CASE(whole_call_deadline_cuts_off_a_server_that_never_finishes) {
  const auto elapsed = ms_to_call_timeout(false);
  BOOST_TEST(elapsed >= 300);
  BOOST_TEST(elapsed < 800);
}

BOOST_AUTO_TEST_CASE(whole_call_deadline_cuts_off_a_kept_alive_connection_too) {
  const auto elapsed = ms_to_call_timeout(true);
  BOOST_TEST(elapsed >= 300);
  BOOST_TEST(elapsed < 800);
}

BOOST_AUTO_TEST_CASE(gives_up_after_the_retry_limit_with_a_clear_error) {
  MockApi api(script("503,503,503,ok"));
  auto client = api.client(fast_retries(2));
  TestControl control;
  RecordingListener listener;
  try {
    client->chat(simple_request(), control, listener);
    BOOST_FAIL("the call should have failed");
  } catch (const LlmError& e) {
    const std::string message = e.what();
    BOOST_TEST((e.kind == LlmError::Kind::permanent));
    BOOST_TEST(e.http_status == 503);
    BOOST_TEST(message.find("503") != std::string::npos, message);
    BOOST_TEST(message.find("gave up after 2 retries") != std::string::npos, message);
    BOOST_TEST(e.retries == 2);
    BOOST_TEST(e.usage.llm_calls == 3);
  }
  BOOST_TEST(api.server.stats().total == 3);
  BOOST_TEST(listener.retries().size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_agent_can_override_the_retry_limit) {
  MockApi api(script("503,ok"));
  auto client = api.client(fast_retries(2));
  TestControl control;
  RecordingListener listener;
  ChatRequest request = simple_request();
  request.retry.max_retries = 0;
  BOOST_CHECK_THROW(client->chat(request, control, listener), LlmError);
  BOOST_TEST(api.server.stats().total == 1);
}

BOOST_AUTO_TEST_CASE(backoff_grows_between_retries) {
  MockApi api(script("503,503,ok"));
  // Base 100 ms, multiplier 3: retry 1 waits 0–200 ms, retry 2 0–600 ms.
  auto client = api.client({2, 0.1, 3.0, 5.0});
  TestControl control;
  RecordingListener listener;
  client->chat(simple_request(), control, listener);
  const auto retries = listener.retries();
  BOOST_REQUIRE(retries.size() == 2u);
  BOOST_TEST(retries[0].delay.count() <= 200);
  BOOST_TEST(retries[1].delay.count() <= 600);
  const auto requests = api.server.requests();
  BOOST_REQUIRE(requests.size() == 3u);
  BOOST_TEST(ms_between(requests[1].at, requests[2].at) >= retries[1].delay.count() - 5);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
