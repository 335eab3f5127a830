// Keep-alive: sessions are reused across calls, and a connection the server
// closed while idle is replaced without costing a retry.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

BOOST_AUTO_TEST_SUITE(connection_reuse)

BOOST_AUTO_TEST_CASE(sequential_calls_share_one_connection) {
  MockApi api;
  auto client = api.client();
  TestControl control;
  RecordingListener listener;
  for (int i = 0; i < 10; ++i) client->chat(simple_request(), control, listener);
  BOOST_TEST(api.server.stats().total == 10);
  BOOST_TEST(api.server.stats().connections == 1);
  BOOST_TEST(api.provider->pool().sessions_created() == 1u);
}

BOOST_AUTO_TEST_CASE(parallel_calls_open_a_few_connections_then_reuse_them) {
  MockApi api;
  auto client = api.client();
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> callers;
    for (int i = 0; i < 4; ++i)
      callers.emplace_back([&] {
        TestControl control;
        RecordingListener listener;
        client->chat(simple_request(), control, listener);
      });
    for (auto& t : callers) t.join();
  }
  BOOST_TEST(api.server.stats().total == 12);
  BOOST_TEST(api.provider->pool().sessions_created() <= 8u);
}

BOOST_AUTO_TEST_CASE(a_connection_closed_by_a_restarted_server_is_replaced_without_a_retry) {
  auto first = std::make_unique<server::MockLlmServer>();
  const uint16_t port = first->start(0);
  OpenAiOptions options;
  options.base_url = first->base_url();
  options.api_key = kApiKey;
  auto provider = std::make_shared<OpenAiProvider>(options);
  LlmMetrics metrics;
  LlmClient client(provider, fast_retries(), {}, metrics);
  TestControl control;
  RecordingListener listener;
  client.chat(simple_request(), control, listener);
  BOOST_TEST(provider->pool().idle() == 1u);

  first.reset();  // closes the idle keep-alive connection from the server side
  server::MockLlmServer second;
  second.start(port);
  const ChatReply reply = client.chat(simple_request(), control, listener);
  BOOST_TEST(reply.retries == 0);
  BOOST_TEST(listener.retries().empty());
  BOOST_TEST(second.stats().total == 1);
  BOOST_TEST(provider->pool().sessions_created() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
