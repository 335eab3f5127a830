// A step's "agent_started" write waits: a fast agent's start rides along with
// its checkpoint (one store transaction per step instead of two), while a
// slow call still shows the agent as started within kDeferredProgressDelay.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <mutex>

#include "run_helpers.h"
#include "runtime/lua/job_host.h"

using namespace agentry;
using namespace agentry::testing;
using Clock = std::chrono::steady_clock;

namespace {

// Every journal write, with the events it carried and when it came.
class RecordingJournal final : public jobs::JobJournal {
 public:
  struct Write {
    std::string kind;  // checkpoint | progress | log
    std::vector<std::string> events;
    Clock::time_point at;
  };

  std::optional<jobs::StepRecord> find_step(const std::string&) override { return std::nullopt; }
  void checkpoint(const jobs::StepRecord&, const jobs::Progress&, const jobs::JobTotals&,
                  const std::vector<jobs::Event>& events) override {
    record("checkpoint", events);
  }
  void progress(const jobs::Progress&, const jobs::JobTotals&, const std::vector<jobs::Event>& events) override {
    record("progress", events);
  }
  void log(const jobs::Event& event) override { record("log", {event}); }

  std::vector<Write> writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
  }

 private:
  void record(const std::string& kind, const std::vector<jobs::Event>& events) {
    Write w{kind, {}, Clock::now()};
    for (const auto& e : events) w.events.push_back(e.event);
    std::lock_guard lock(mutex_);
    writes_.push_back(std::move(w));
  }
  mutable std::mutex mutex_;
  std::vector<Write> writes_;
};

struct Outcome {
  lua::JobOutcome outcome;
  std::vector<RecordingJournal::Write> writes;
  Clock::time_point started;
};

Outcome run_one_agent(const ScriptDir& dir, std::chrono::milliseconds latency) {
  auto snap = pipeline_with_body(dir, "return run_agent('A', input)");
  RecordingJournal journal;
  llm::LlmClient client(std::make_shared<llm::MockProvider>(llm::MockOptions{.latency = latency}));
  lua::JobControl control;
  Outcome o;
  o.started = Clock::now();
  o.outcome = lua::run_job(*snap, client, journal, control, {"job-1", "t", nlohmann::json::object(), 1});
  o.writes = journal.writes();
  return o;
}

// Answers every call with a permanent error (a rejected request).
class RefusingProvider final : public llm::LlmProvider {
 public:
  std::string name() const override { return "refusing"; }
  llm::ChatReply chat(const llm::ChatRequest&, const llm::CallControl&) override {
    throw llm::LlmError(llm::LlmError::Kind::permanent, "400 bad request");
  }
};

// Waits 100 times 1 ms through the call's control, as the LLM rate limiter
// does while an earlier caller goes first; records how long that took.
class SmallWaitsProvider final : public llm::LlmProvider {
 public:
  std::string name() const override { return "small-waits"; }
  llm::ChatReply chat(const llm::ChatRequest& r, const llm::CallControl& c) override {
    const auto started = Clock::now();
    for (int i = 0; i < 100; ++i) c.wait_for(std::chrono::milliseconds(1));
    {
      std::lock_guard lock(mutex);
      waited.push_back(Clock::now() - started);
    }
    return mock.chat(r, c);
  }
  std::mutex mutex;
  std::vector<Clock::duration> waited;
  llm::MockProvider mock;
};

void write_one_agent(const ScriptDir& dir) {
  dir.write("agents/A.lua",
            "return agent { name = 'A', run = function(input)\n"
            "  llm.chat { prompt = 'Say hi' }\n"
            "  return { ok = true }\nend }\n");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(deferred_progress)

BOOST_AUTO_TEST_CASE(a_fast_agent_writes_its_start_with_its_checkpoint) {
  ScriptDir dir;
  write_one_agent(dir);
  const auto o = run_one_agent(dir, std::chrono::milliseconds(0));
  BOOST_REQUIRE_MESSAGE(o.outcome.status == jobs::JobStatus::completed,
                        (o.outcome.error ? o.outcome.error->message : ""));
  BOOST_REQUIRE_EQUAL(o.writes.size(), 1u);
  BOOST_TEST(o.writes[0].kind == "checkpoint");
  const std::vector<std::string> expected = {"agent_started", "agent_completed"};
  BOOST_TEST(o.writes[0].events == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_slow_agent_shows_as_started_while_its_call_runs) {
  ScriptDir dir;
  write_one_agent(dir);
  const auto o = run_one_agent(dir, std::chrono::milliseconds(900));
  BOOST_REQUIRE(to_string(o.outcome.status) == "completed");
  BOOST_REQUIRE_EQUAL(o.writes.size(), 2u);
  BOOST_TEST(o.writes[0].kind == "progress");
  BOOST_TEST(o.writes[0].events == std::vector<std::string>{"agent_started"}, boost::test_tools::per_element());
  const auto shown_after = o.writes[0].at - o.started;
  BOOST_TEST(shown_after >= lua::kDeferredProgressDelay);
  BOOST_TEST(shown_after < std::chrono::milliseconds(700));  // the call takes 900
  BOOST_TEST(o.writes[1].kind == "checkpoint");
  BOOST_TEST(o.writes[1].events == std::vector<std::string>{"agent_completed"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_agent_that_fails_still_records_its_start_first) {
  ScriptDir dir;
  write_one_agent(dir);
  auto snap = pipeline_with_body(dir, "return run_agent('A', input)");
  RecordingJournal journal;
  llm::LlmClient client(std::make_shared<RefusingProvider>());
  lua::JobControl control;
  const auto outcome = lua::run_job(*snap, client, journal, control, {"job-1", "t", nlohmann::json::object(), 1});
  BOOST_TEST(to_string(outcome.status) == "failed");
  std::vector<std::string> all;
  for (const auto& w : journal.writes()) all.insert(all.end(), w.events.begin(), w.events.end());
  BOOST_REQUIRE_GE(all.size(), 2u);
  BOOST_TEST(all.front() == "agent_started");
  BOOST_TEST(all.back() == "agent_failed");
}

// A 1 ms wait once returned at once (the remainder was rounded down to 0 ms),
// so 64 jobs queued behind the rate limiter's FIFO spun both cores.
BOOST_AUTO_TEST_CASE(waits_through_the_call_control_sleep_on_both_call_paths) {
  ScriptDir dir;
  write_one_agent(dir);
  auto snap = pipeline_with_body(dir,
                                 "run_agent('A', input)\n"
                                 "parallel.map({ 1, 2 }, function() return llm.chat { prompt = 'hi' } end)\n"
                                 "return { ok = true }");
  auto provider = std::make_shared<SmallWaitsProvider>();
  llm::LlmClient client(provider);
  RecordingJournal journal;
  lua::JobControl control;
  const auto outcome = lua::run_job(*snap, client, journal, control, {"job-1", "t", nlohmann::json::object(), 1});
  BOOST_REQUIRE_MESSAGE(to_string(outcome.status) == "completed", (outcome.error ? outcome.error->message : ""));
  std::lock_guard lock(provider->mutex);
  BOOST_REQUIRE_EQUAL(provider->waited.size(), 3u);  // one llm.chat on the job thread, two in parallel.map
  for (const auto& waited : provider->waited) BOOST_TEST(waited >= std::chrono::milliseconds(100));
}

BOOST_AUTO_TEST_SUITE_END()
