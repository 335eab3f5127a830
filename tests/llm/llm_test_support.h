// Shared pieces of the LLM tests: a cancellable control, a listener that
// records what the client reported, a log capture, and a mock API started
// in-process on an ephemeral port with a client pointed at it over HTTP.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "runtime/llm/llm_client.h"
#include "runtime/llm/mock_provider.h"
#include "runtime/llm/openai_provider.h"
#include "server/mock_llm_server.h"

namespace agentry::llm::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Recognisable, so a leak shows up in any message or log line.
inline const std::string kApiKey = "sk-test-SECRET123";

inline int64_t ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

class TestControl final : public CallControl {
 public:
  bool stop_requested() const override { return stop_.load(); }
  bool wait_for(std::chrono::milliseconds d) const override {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [&] { return stop_.load(); });
  }
  void cancel() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::atomic<bool> stop_{false};
};

class RecordingListener final : public CallListener {
 public:
  struct Retry {
    Clock::time_point at;
    int number;
    std::string reason;
    std::chrono::milliseconds delay;
  };
  void on_retry(const ChatRequest&, int number, const std::string& reason, std::chrono::milliseconds delay) override {
    std::lock_guard lock(mutex_);
    retries_.push_back({Clock::now(), number, reason, delay});
  }
  void on_waiting(const ChatRequest&, const std::string& message) override {
    std::lock_guard lock(mutex_);
    waits_.push_back(message);
  }
  std::vector<Retry> retries() const {
    std::lock_guard lock(mutex_);
    return retries_;
  }
  std::vector<std::string> waits() const {
    std::lock_guard lock(mutex_);
    return waits_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Retry> retries_;
  std::vector<std::string> waits_;
};

// Everything spdlog's default logger writes while this object lives.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    previous_level_ = spdlog::default_logger()->level();
    spdlog::default_logger()->sinks().push_back(sink_);
    spdlog::default_logger()->set_level(spdlog::level::trace);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    spdlog::default_logger()->set_level(previous_level_);
  }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  spdlog::level::level_enum previous_level_;
};

// Retries fast enough for tests: ~50 ms, then ~150 ms.
inline RetryPolicy fast_retries(int max_retries = 2) { return {max_retries, 0.05, 3.0, 5.0}; }

inline server::MockLlmOptions script(const std::string& actions) {
  server::MockLlmOptions options;
  options.script = server::parse_action_list(actions);
  return options;
}

// A mock API on 127.0.0.1 and an openai provider + client talking to it.
struct MockApi {
  explicit MockApi(server::MockLlmOptions options = {}) : server(std::move(options)) { server.start(0); }

  OpenAiOptions provider_options() const {
    OpenAiOptions o;
    o.base_url = server.base_url();
    o.api_key = kApiKey;
    o.connect_timeout = 2s;
    o.read_timeout = 5s;
    o.call_timeout = 20s;
    return o;
  }

  std::unique_ptr<LlmClient> client(RetryPolicy policy = fast_retries(), RateLimits limits = {}) {
    return client_with(provider_options(), policy, limits);
  }
  std::unique_ptr<LlmClient> client_with(OpenAiOptions options, RetryPolicy policy = fast_retries(),
                                         RateLimits limits = {}) {
    provider = std::make_shared<OpenAiProvider>(std::move(options));
    return std::make_unique<LlmClient>(provider, policy, limits, metrics);
  }

  server::MockLlmServer server;
  std::shared_ptr<OpenAiProvider> provider;
  LlmMetrics metrics;
};

inline ChatRequest simple_request(const std::string& agent = "E1") {
  ChatRequest r;
  r.agent = agent;
  r.system = "You are a test.";
  r.messages = {{"user", "Say something."}};
  return r;
}

inline ChatRequest json_request(const std::string& agent = "E1") {
  ChatRequest r = simple_request(agent);
  r.system = "You are a test. Reply in JSON.";
  r.json = true;
  r.required_fields = {"profile", "constraints"};
  return r;
}

}  // namespace agentry::llm::test
