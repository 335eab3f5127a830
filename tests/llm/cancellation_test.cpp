// A cancelled job's call returns promptly wherever it is: inside a hanging
// HTTP exchange, in a retry backoff, or waiting for capacity.
#include <boost/test/unit_test.hpp>

#include <sys/eventfd.h>
#include <unistd.h>

#include <thread>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

namespace {

// Runs the call on a thread, cancels it after `after`, and returns how long
// the call took to return once cancelled. Expects LlmError(cancelled).
template <class Control = TestControl>
int64_t cancel_after(LlmClient& client, const ChatRequest& request, std::chrono::milliseconds after) {
  Control control;
  RecordingListener listener;
  std::atomic<bool> cancelled_kind{false};
  Clock::time_point returned;
  std::thread call([&] {
    try {
      client.chat(request, control, listener);
    } catch (const LlmError& e) {
      cancelled_kind = e.kind == LlmError::Kind::cancelled;
    }
    returned = Clock::now();
  });
  std::this_thread::sleep_for(after);
  const auto cancelled_at = Clock::now();
  control.cancel();
  call.join();
  BOOST_TEST(cancelled_kind.load(), "the call failed as cancelled");
  const auto latency = ms_between(cancelled_at, returned);
  BOOST_TEST_MESSAGE("returned " << latency << " ms after cancel");
  return latency;
}

// Asks to be rechecked only every 10 s, and signals an eventfd on cancel:
// a call waiting on it hears the cancel through the descriptor or not at all.
class WakingControl final : public CallControl {
 public:
  WakingControl() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~WakingControl() override { ::close(fd_); }
  bool stop_requested() const override { return stop_.load(); }
  bool wait_for(std::chrono::milliseconds d) const override { return inner_.wait_for(d); }
  int wake_fd() const override { return fd_; }
  std::chrono::milliseconds recheck_within() const override { return 10s; }
  void cancel() {
    stop_ = true;
    inner_.cancel();
    const uint64_t one = 1;
    BOOST_REQUIRE(::write(fd_, &one, sizeof one) == sizeof one);
  }

 private:
  int fd_;
  std::atomic<bool> stop_{false};
  TestControl inner_;
};

// A client whose next call finds its connection kept alive (one answered
// call first), so that call runs on the caller's thread; the server hangs it.
std::unique_ptr<LlmClient> kept_alive_client(MockApi& api) {
  auto options = api.provider_options();
  options.read_timeout = 30s;
  auto client = api.client_with(options);
  TestControl control;
  RecordingListener listener;
  client->chat(simple_request("warm-up"), control, listener);
  return client;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cancellation)

BOOST_AUTO_TEST_CASE(a_hanging_call_on_a_kept_alive_connection_returns_within_200_ms_of_cancel) {
  MockApi api(script("ok,hang"));
  auto client = kept_alive_client(api);
  const auto latency = cancel_after(*client, simple_request(), 300ms);
  BOOST_TEST(latency < 200, "returned " << latency << " ms after cancel");
  BOOST_TEST(api.server.stats().connections == 1u, "both calls went over the one kept-alive connection");
  const auto deadline = Clock::now() + 2s;
  while (api.server.stats().in_flight > 0 && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  BOOST_TEST(api.server.stats().in_flight == 0, "the abandoned connection was closed");
}

BOOST_AUTO_TEST_CASE(a_call_waiting_for_its_answer_wakes_on_the_controls_descriptor) {
  MockApi api(script("ok,hang"));
  auto client = kept_alive_client(api);
  const auto latency = cancel_after<WakingControl>(*client, simple_request(), 300ms);
  BOOST_TEST(latency < 200, "returned " << latency << " ms after cancel (the control asked for a recheck in 10 s)");
}

BOOST_AUTO_TEST_CASE(a_hanging_call_returns_within_200_ms_of_cancel) {
  MockApi api(script("hang"));
  auto options = api.provider_options();
  options.read_timeout = 30s;
  auto client = api.client_with(options);
  const auto latency = cancel_after(*client, simple_request(), 300ms);
  BOOST_TEST(latency < 200, "returned " << latency << " ms after cancel");
  // The abandoned exchange was cut off, not left running: the server sees
  // the client go away.
  const auto deadline = Clock::now() + 2s;
  while (api.server.stats().in_flight > 0 && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  BOOST_TEST(api.server.stats().in_flight == 0);
}

BOOST_AUTO_TEST_CASE(a_call_waiting_to_retry_returns_promptly_on_cancel) {
  MockApi api(script("503,ok"));
  // A long backoff: full jitter draws the wait from [0, 2 × base], and with
  // base 10 s one run in a hundred retried before the cancel came (200 ms).
  // Here the wait is the 120 s cap but for one draw in ten million.
  auto client = api.client({2, 1.0e6, 3.0, 120.0});
  const auto latency = cancel_after(*client, simple_request(), 200ms);
  BOOST_TEST(latency < 200, "returned " << latency << " ms after cancel");
  BOOST_TEST(api.server.stats().total == 1);
}

BOOST_AUTO_TEST_CASE(a_call_waiting_for_capacity_returns_promptly_on_cancel) {
  server::MockLlmOptions options;
  options.latency = 3s;
  MockApi api(options);
  auto client = api.client(fast_retries(), {1, 0, 0});
  TestControl busy_control;
  RecordingListener busy_listener;
  std::thread busy([&] {
    try {
      client->chat(simple_request("busy"), busy_control, busy_listener);
    } catch (const LlmError&) {
    }
  });
  std::this_thread::sleep_for(100ms);
  const auto latency = cancel_after(*client, simple_request("waiter"), 200ms);
  BOOST_TEST(latency < 200, "returned " << latency << " ms after cancel");
  busy_control.cancel();
  busy.join();
}

BOOST_AUTO_TEST_CASE(a_call_cancelled_before_it_starts_makes_no_request) {
  MockApi api;
  auto client = api.client();
  TestControl control;
  control.cancel();
  RecordingListener listener;
  BOOST_CHECK_THROW(client->chat(simple_request(), control, listener), LlmError);
  BOOST_TEST(api.server.stats().total == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
