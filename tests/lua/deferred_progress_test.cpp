// A step's "agent_started" write waits: a fast agent's start rides along with
// its checkpoint (one store transaction per step instead of two), while a
// slow call still shows the agent as started within kDeferredProgressDelay.
// With RunOptions::hold_checkpoints a checkpoint waits too, until the job's
// next write, call or step, and a completed job hands its last one over.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>

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
    std::string agent;  // a checkpoint's step
    int calls = 0;      // LLM calls made before the write (with count_calls_of)
  };

  std::optional<jobs::StepRecord> find_step(const std::string&) override { return std::nullopt; }
  void checkpoint(const jobs::StepRecord& step, const jobs::Progress&, const jobs::JobTotals&,
                  const std::vector<jobs::Event>& events) override {
    record("checkpoint", events, step.agent);
  }
  void progress(const jobs::Progress&, const jobs::JobTotals&, const std::vector<jobs::Event>& events) override {
    record("progress", events);
  }
  void log(const jobs::Event& event) override { record("log", {event}); }

  std::vector<Write> writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
  }
  void count_calls_of(const std::atomic<int>* calls) { calls_ = calls; }

 private:
  void record(const std::string& kind, const std::vector<jobs::Event>& events, std::string agent = "") {
    Write w{kind, {}, Clock::now(), std::move(agent), calls_ ? calls_->load() : 0};
    for (const auto& e : events) w.events.push_back(e.event);
    std::lock_guard lock(mutex_);
    writes_.push_back(std::move(w));
  }
  mutable std::mutex mutex_;
  std::vector<Write> writes_;
  const std::atomic<int>* calls_ = nullptr;
};

// The mock model, counting the calls it was asked.
class CountingProvider final : public llm::LlmProvider {
 public:
  std::string name() const override { return "counting"; }
  llm::ChatReply chat(const llm::ChatRequest& r, const llm::CallControl& c) override {
    ++calls;
    return mock.chat(r, c);
  }
  std::atomic<int> calls{0};
  llm::MockProvider mock;
};

struct Held {
  lua::JobOutcome outcome;
  std::vector<RecordingJournal::Write> writes;
};

// Runs pipeline `body` holding checkpoints (as the scheduler does) or not.
Held run_holding(const ScriptDir& dir, const std::string& body, bool hold = true) {
  auto snap = pipeline_with_body(dir, body);
  auto provider = std::make_shared<CountingProvider>();
  llm::LlmClient client(provider);
  RecordingJournal journal;
  journal.count_calls_of(&provider->calls);
  lua::JobControl control;
  lua::RunOptions options;
  options.hold_checkpoints = hold;
  Held h;
  h.outcome = lua::run_job(*snap, client, journal, control, {"job-1", "t", nlohmann::json::object(), 1}, options);
  h.writes = journal.writes();
  return h;
}

std::vector<std::string> kinds(const std::vector<RecordingJournal::Write>& writes) {
  std::vector<std::string> k;
  for (const auto& w : writes) k.push_back(w.kind + (w.agent.empty() ? "" : " " + w.agent));
  return k;
}

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

void write_agent(const ScriptDir& dir, const std::string& name) {
  dir.write("agents/" + name + ".lua", "return agent { name = '" + name +
                                           "', run = function(input)\n"
                                           "  llm.chat { prompt = 'Say hi' }\n"
                                           "  return { ok = true }\nend }\n");
}

void write_one_agent(const ScriptDir& dir) { write_agent(dir, "A"); }

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

BOOST_AUTO_TEST_CASE(a_held_checkpoint_is_written_before_the_next_step_calls_its_model) {
  ScriptDir dir;
  for (const char* name : {"A", "B", "C"}) write_agent(dir, name);
  const auto h = run_holding(dir, "run_agent('A', input) run_agent('B', input) return run_agent('C', input)");
  BOOST_REQUIRE_MESSAGE(h.outcome.status == jobs::JobStatus::completed,
                        (h.outcome.error ? h.outcome.error->message : ""));
  BOOST_TEST(kinds(h.writes) == (std::vector<std::string>{"checkpoint A", "checkpoint B"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(h.writes.size(), 2u);
  BOOST_TEST(h.writes[0].calls == 1);  // A's step is stored before B's call
  BOOST_TEST(h.writes[1].calls == 2);
  BOOST_TEST(h.writes[1].events == (std::vector<std::string>{"agent_started", "agent_completed"}),
             boost::test_tools::per_element());
  // The last step is the job's final write's to make.
  BOOST_REQUIRE(h.outcome.last_step.has_value());
  BOOST_TEST(h.outcome.last_step->step.agent == "C");
  BOOST_TEST(h.outcome.last_step->step.output_text == R"({"ok":true})");
  std::vector<std::string> last_events;
  for (const auto& e : h.outcome.last_step->events) last_events.push_back(e.event);
  BOOST_TEST(last_events == (std::vector<std::string>{"agent_started", "agent_completed"}),
             boost::test_tools::per_element());
  BOOST_TEST(h.outcome.progress.completed_steps == 3);
}

BOOST_AUTO_TEST_CASE(without_holding_each_checkpoint_is_written_when_its_step_ends) {
  ScriptDir dir;
  for (const char* name : {"A", "B"}) write_agent(dir, name);
  const auto h = run_holding(dir, "run_agent('A', input) return run_agent('B', input)", false);
  BOOST_REQUIRE(h.outcome.status == jobs::JobStatus::completed);
  BOOST_TEST(kinds(h.writes) == (std::vector<std::string>{"checkpoint A", "checkpoint B"}),
             boost::test_tools::per_element());
  BOOST_TEST(!h.outcome.last_step.has_value());
}

BOOST_AUTO_TEST_CASE(a_held_checkpoint_goes_with_the_next_log_entry) {
  ScriptDir dir;
  for (const char* name : {"A", "B"}) write_agent(dir, name);
  const auto h = run_holding(dir, "run_agent('A', input) job.log('note', 'between') return run_agent('B', input)");
  BOOST_REQUIRE(h.outcome.status == jobs::JobStatus::completed);
  BOOST_REQUIRE_EQUAL(h.writes.size(), 1u);
  BOOST_TEST(h.writes[0].agent == "A");
  BOOST_TEST(h.writes[0].events == (std::vector<std::string>{"agent_started", "agent_completed", "note"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(h.outcome.last_step.has_value());
  BOOST_TEST(h.outcome.last_step->step.agent == "B");
}

BOOST_AUTO_TEST_CASE(a_job_that_fails_after_its_last_step_still_stores_it) {
  ScriptDir dir;
  write_agent(dir, "A");
  const auto h = run_holding(dir, "run_agent('A', input) error('no plan today')");
  BOOST_TEST(to_string(h.outcome.status) == "failed");
  BOOST_TEST(kinds(h.writes) == (std::vector<std::string>{"checkpoint A"}), boost::test_tools::per_element());
  BOOST_TEST(!h.outcome.last_step.has_value());
}

BOOST_AUTO_TEST_CASE(steps_of_a_parallel_map_are_each_stored_once) {
  ScriptDir dir;
  for (const char* name : {"A", "B", "C"}) write_agent(dir, name);
  const auto h = run_holding(dir,
                             "parallel.map({ 'A', 'B', 'C' }, function(name) return run_agent(name, input) end)\n"
                             "return { ok = true }");
  BOOST_REQUIRE_MESSAGE(h.outcome.status == jobs::JobStatus::completed,
                        (h.outcome.error ? h.outcome.error->message : ""));
  std::multiset<std::string> stored;
  for (const auto& w : h.writes) {
    BOOST_TEST(w.kind == "checkpoint");
    stored.insert(w.agent);
  }
  BOOST_REQUIRE(h.outcome.last_step.has_value());
  stored.insert(h.outcome.last_step->step.agent);
  BOOST_TEST(stored == (std::multiset<std::string>{"A", "B", "C"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
