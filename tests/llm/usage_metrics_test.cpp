// Usage: tokens, calls and latency summed per call in ChatReply, and the
// process-wide counters /metrics reads.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

BOOST_AUTO_TEST_SUITE(usage_and_metrics)

BOOST_AUTO_TEST_CASE(a_reply_carries_the_api_usage_and_model) {
  MockApi api;
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  ChatRequest request = json_request();
  request.model = "gpt-test-model";
  const ChatReply reply = client->chat(request, control, listener);
  const ChatReply expected = MockProvider::canned_reply(request);
  BOOST_TEST(reply.usage.llm_calls == 1);
  BOOST_TEST(reply.usage.completion_tokens == expected.usage.completion_tokens);
  BOOST_TEST(reply.usage.prompt_tokens > 0);
  BOOST_TEST(reply.model == "gpt-test-model");
  BOOST_TEST(reply.latency.count() >= 0);
}

BOOST_AUTO_TEST_CASE(usage_sums_every_http_call_of_a_call) {
  server::MockLlmOptions options = script("503,invalid,ok");
  options.latency = 20ms;
  MockApi api(options);
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(json_request(), control, listener);
  BOOST_TEST(reply.usage.llm_calls == 3, "a failed call, an invalid reply and the re-ask");
  BOOST_TEST(reply.retries == 1);
  BOOST_TEST(reply.attempts == 2);
  BOOST_TEST(reply.latency.count() >= 60);
}

BOOST_AUTO_TEST_CASE(metrics_count_calls_errors_retries_tokens_and_latency) {
  MockApi api(script("503,ok"));
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(simple_request(), control, listener);
  const auto s = api.metrics.snapshot();
  BOOST_TEST(s.calls == 2u);
  BOOST_TEST(s.errors[static_cast<size_t>(LlmError::Kind::transient)] == 1u);
  BOOST_TEST(s.retries == 1u);
  BOOST_TEST(s.prompt_tokens == static_cast<uint64_t>(reply.usage.prompt_tokens));
  BOOST_TEST(s.completion_tokens == static_cast<uint64_t>(reply.usage.completion_tokens));
  uint64_t observed = 0;
  for (auto n : s.latency_buckets) observed += n;
  BOOST_TEST(observed == 2u);

  std::ostringstream text;
  api.metrics.write_prometheus(text);
  BOOST_TEST(text.str().find("agentry_llm_calls_total 2\n") != std::string::npos, text.str());
  BOOST_TEST(text.str().find("agentry_llm_errors_total{kind=\"transient\"} 1\n") != std::string::npos);
  BOOST_TEST(text.str().find("agentry_llm_call_duration_seconds_bucket{le=\"+Inf\"} 2\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_latency_histogram_puts_a_call_in_its_bucket) {
  LlmMetrics metrics;
  metrics.record_call(std::chrono::milliseconds(700));      // (0.5, 1]
  metrics.record_call(std::chrono::milliseconds(200'000));  // above 120 s
  const auto s = metrics.snapshot();
  BOOST_TEST(s.latency_buckets[4] == 1u);
  BOOST_TEST(s.latency_buckets.back() == 1u);
  BOOST_TEST(s.latency_sum_seconds == 200.7, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
