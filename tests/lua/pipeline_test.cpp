// The shipped pipelines on the mock provider, and what makes steps durable:
// checkpoints replayed on resume, nested pipelines, progress for free.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <fstream>
#include <set>

#include "run_helpers.h"
#include "runtime/jobs/job_rows.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

nlohmann::json example(const std::string& name) {
  std::ifstream in(std::filesystem::path(AGENTRY_SOURCE_DIR) / "examples" / name);
  return nlohmann::json::parse(in);
}

// Counts the calls that reach the provider, per agent.
class CountingProvider final : public llm::LlmProvider {
 public:
  std::string name() const override { return "counting"; }
  llm::ChatReply chat(const llm::ChatRequest& r, const llm::CallControl& c) override {
    std::lock_guard lock(mutex);
    ++calls[r.agent];
    return mock.chat(r, c);
  }
  int total() {
    std::lock_guard lock(mutex);
    int n = 0;
    for (const auto& [_, c] : calls) n += c;
    return n;
  }
  std::mutex mutex;
  std::map<std::string, int> calls;
  llm::MockProvider mock;
};

std::shared_ptr<lua::ScriptSnapshot> shipped() {
  std::vector<lua::ScriptProblem> errors;
  auto snap = lua::load_scripts(shipped_scripts(), errors);
  std::string all;
  for (const auto& e : errors) all += e.to_string() + "\n";
  BOOST_REQUIRE_MESSAGE(snap, all);
  return snap;
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_pipeline_runs_all_eighteen_agents_with_progress) {
  auto snap = shipped();
  BOOST_REQUIRE(snap->find_pipeline("full"));
  BOOST_CHECK_EQUAL(snap->find_pipeline("full")->total_steps, 18);
  auto ran = run_pipeline(*snap, "full", example("client.json"));
  BOOST_REQUIRE_MESSAGE(ran.outcome.status == jobs::JobStatus::completed,
                        (ran.outcome.error ? ran.outcome.error->message : ""));

  const auto& result = ran.outcome.result;
  BOOST_REQUIRE(result.contains("training") && result.contains("nutrition"));
  std::set<std::string> agents;
  for (const auto& part : {"training", "nutrition"})
    for (const auto& [name, output] : result[part].items()) {
      BOOST_CHECK(output.is_object() && !output.empty());
      agents.insert(name);
    }
  BOOST_CHECK_EQUAL(agents.size(), 18u);

  // Progress after every agent, strictly increasing to 100.
  double last = -1;
  int completions = 0;
  for (const auto& p : ran.journal->progress_history()) {
    if (p.message.find("completed") == std::string::npos) continue;
    ++completions;
    BOOST_CHECK_GT(p.percentage, last);
    BOOST_CHECK_EQUAL(p.total_steps, 18);
    last = p.percentage;
  }
  BOOST_CHECK_EQUAL(completions, 18);
  BOOST_CHECK_CLOSE(last, 100.0, 0.001);

  std::map<std::string, int> started, completed;
  for (const auto& e : ran.journal->events()) {
    const auto name = e.details.substr(0, e.details.find(' '));
    if (e.event == "agent_started") ++started[name];
    if (e.event == "agent_completed") ++completed[name];
  }
  for (const auto& a : agents) {
    BOOST_CHECK_MESSAGE(started[a] == 1, a);
    BOOST_CHECK_MESSAGE(completed[a] == 1, a);
  }
  BOOST_CHECK_EQUAL(ran.outcome.totals.usage.llm_calls, 18);
  BOOST_CHECK_GT(ran.outcome.totals.usage.prompt_tokens, 0);
}

BOOST_AUTO_TEST_CASE(resumed_job_replays_checkpoints_instead_of_calling_again) {
  auto snap = shipped();
  auto first = std::make_shared<CountingProvider>();
  auto ran = run_pipeline(*snap, "training", example("client.json"), {}, first);
  BOOST_REQUIRE(ran.outcome.status == jobs::JobStatus::completed);
  BOOST_CHECK_EQUAL(first->total(), 9);

  // Keep the first four checkpoints, as if the worker died after E4.
  ran.journal->keep_steps_only([](const jobs::StepRecord& s) { return s.key <= "0004"; });
  auto second = std::make_shared<CountingProvider>();
  auto resumed = run_pipeline(*snap, "training", example("client.json"), {}, second, ran.journal);
  BOOST_REQUIRE(resumed.outcome.status == jobs::JobStatus::completed);
  BOOST_CHECK_EQUAL(second->total(), 5);
  for (const auto* a : {"E1", "E2", "E3", "E4"}) BOOST_CHECK_EQUAL(second->calls.count(a), 0u);
  BOOST_CHECK_EQUAL(resumed.outcome.result, ran.outcome.result);
}

BOOST_AUTO_TEST_CASE(backlog_fan_out_overlaps_calls_and_resumes_per_item) {
  auto snap = shipped();
  const auto latency = std::chrono::milliseconds(200);
  auto slow = std::make_shared<llm::MockProvider>(llm::MockOptions{latency});
  const auto start = std::chrono::steady_clock::now();
  auto ran = run_pipeline(*snap, "backlog_generation", example("backlog.json"), {}, slow);
  const auto took = std::chrono::steady_clock::now() - start;
  BOOST_REQUIRE_MESSAGE(ran.outcome.status == jobs::JobStatus::completed,
                        (ran.outcome.error ? ran.outcome.error->message : ""));
  BOOST_CHECK_EQUAL(ran.outcome.result["stories_created"], 5);
  BOOST_CHECK_GE(ran.outcome.result["tasks_created"].get<int>(), 15);
  // epic + stories + 5 overlapping task calls: about 3 call latencies, not 7.
  BOOST_CHECK_MESSAGE(took < latency * 5,
                      "took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count());

  // Resume after two of the five task items finished: only three task calls.
  auto steps = ran.journal->steps();
  std::vector<std::string> task_keys;
  for (const auto& [k, s] : steps)
    if (s.agent == "tasks") task_keys.push_back(k);
  BOOST_REQUIRE_EQUAL(task_keys.size(), 5u);
  ran.journal->keep_steps_only(
      [&](const jobs::StepRecord& s) { return s.agent != "tasks" || s.key == task_keys[0] || s.key == task_keys[3]; });
  auto counting = std::make_shared<CountingProvider>();
  auto resumed = run_pipeline(*snap, "backlog_generation", example("backlog.json"), {}, counting, ran.journal);
  BOOST_REQUIRE(resumed.outcome.status == jobs::JobStatus::completed);
  BOOST_CHECK_EQUAL(counting->calls["tasks"], 3);
  BOOST_CHECK_EQUAL(counting->calls.count("epic"), 0u);
  BOOST_CHECK_EQUAL(resumed.outcome.result, ran.outcome.result);
}

BOOST_AUTO_TEST_CASE(a_script_error_fails_only_that_job_with_its_location) {
  ScriptDir dir;
  dir.write("agents/a.lua", "return agent { name = 'a', run = function() return { ok = true } end }");
  dir.write("agents/b.lua", "return agent { name = 'b', run = function(input)\n  return input.missing.field\nend }");
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'a', 'b' } }");
  dir.write("pipelines/q.lua", "return pipeline { name = 'q', steps = { 'a' } }");
  auto snap = dir.load();
  auto bad = run_pipeline(*snap, "p");
  BOOST_REQUIRE(bad.outcome.error);
  BOOST_CHECK_EQUAL(bad.outcome.error->reason, "script_error");
  BOOST_CHECK_MESSAGE(bad.outcome.error->message.find("agents/b.lua:2:") == 0, bad.outcome.error->message);
  BOOST_CHECK_EQUAL(bad.journal->steps().at("0002").status, "failed");
  auto good = run_pipeline(*snap, "q");
  BOOST_CHECK(good.outcome.status == jobs::JobStatus::completed);
}

BOOST_AUTO_TEST_CASE(cancellation_stops_a_job_waiting_on_the_llm) {
  auto snap = shipped();
  auto slow = std::make_shared<llm::MockProvider>(llm::MockOptions{std::chrono::milliseconds(10000)});
  llm::LlmClient client(slow);
  jobs::MemoryJournal journal;
  lua::JobControl control;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    control.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto out = lua::run_job(*snap, client, journal, control, {"job-c", "training", example("client.json"), 1});
  canceller.join();
  BOOST_CHECK(out.status == jobs::JobStatus::cancelled);
  BOOST_CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

BOOST_AUTO_TEST_CASE(timeout_fails_the_job_with_reason_timeout) {
  auto snap = shipped();
  auto slow = std::make_shared<llm::MockProvider>(llm::MockOptions{std::chrono::milliseconds(10000)});
  llm::LlmClient client(slow);
  jobs::MemoryJournal journal;
  lua::JobControl control(std::chrono::steady_clock::now() + std::chrono::milliseconds(300));
  auto out = lua::run_job(*snap, client, journal, control, {"job-t", "training", example("client.json"), 1});
  BOOST_CHECK(out.status == jobs::JobStatus::failed);
  BOOST_REQUIRE(out.error);
  BOOST_CHECK_EQUAL(out.error->reason, "timeout");
}

namespace {
class RejectingProvider final : public llm::LlmProvider {
 public:
  std::string name() const override { return "rejecting"; }
  llm::ChatReply chat(const llm::ChatRequest&, const llm::CallControl&) override {
    throw llm::LlmError(llm::LlmError::Kind::permanent, "OPENAI_API_KEY was rejected (401): set a valid key", 401);
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(an_llm_failure_fails_the_job_with_llm_error_and_its_message) {
  auto snap = shipped();
  auto ran = run_pipeline(*snap, "training", example("client.json"), {}, std::make_shared<RejectingProvider>());
  BOOST_REQUIRE(ran.outcome.error);
  BOOST_CHECK_EQUAL(ran.outcome.error->reason, "llm_error");
  BOOST_CHECK_EQUAL(ran.outcome.error->message, "OPENAI_API_KEY was rejected (401): set a valid key");
  BOOST_CHECK_EQUAL(ran.journal->steps().at("0001").status, "failed");
}

BOOST_AUTO_TEST_CASE(json_null_encodes_as_null) {
  ScriptDir dir;
  auto snap = pipeline_with_body(dir, "return { text = json.encode({ a = json.null, b = 1 }) }");
  auto ran = run_pipeline(*snap, "t");
  BOOST_REQUIRE(ran.outcome.status == jobs::JobStatus::completed);
  BOOST_CHECK_EQUAL(ran.outcome.result["text"], "{\"a\":null,\"b\":1}");
}

namespace {
// What the store does with a result made of steps: put it together from the
// journal's step outputs, read back as the store reads them.
nlohmann::json assembled(const Ran& ran) {
  std::vector<jobs::StepRecord> steps;
  for (const auto& [key, step] : ran.journal->steps()) {
    auto& read = steps.emplace_back(step);
    if (!step.output_text.empty()) read.output = nlohmann::json::parse(step.output_text);
  }
  return jobs::result_from_steps("job-1", ran.outcome.stored_result.from_steps(), steps);
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_step_pipelines_result_is_stored_as_the_steps_it_is_made_of) {
  auto snap = shipped();
  lua::RunOptions options;
  options.result_from_steps = true;
  auto ran = run_pipeline(*snap, "full", example("client.json"), options);
  BOOST_REQUIRE(ran.outcome.status == jobs::JobStatus::completed);
  const auto& stored = ran.outcome.stored_result;
  BOOST_TEST(stored.json().empty());
  const auto recipe = nlohmann::json::parse(stored.from_steps());
  BOOST_TEST(recipe["training"]["E1"] == "0001");
  BOOST_TEST(recipe["nutrition"]["N8"] == "0018");
  BOOST_TEST(assembled(ran) == ran.outcome.result);

  // A resumed job names the same steps, replayed ones included.
  ran.journal->keep_steps_only([](const jobs::StepRecord& s) { return s.key <= "0004"; });
  auto resumed =
      run_pipeline(*snap, "full", example("client.json"), options, std::make_shared<llm::MockProvider>(), ran.journal);
  BOOST_REQUIRE(resumed.outcome.status == jobs::JobStatus::completed);
  BOOST_TEST(resumed.outcome.stored_result.from_steps() == stored.from_steps());
  BOOST_TEST(assembled(resumed) == ran.outcome.result);

  // Without the option (a journal that keeps no steps) the result is text.
  auto as_text = run_pipeline(*snap, "full", example("client.json"));
  BOOST_TEST(as_text.outcome.stored_result.from_steps().empty());
  BOOST_TEST(nlohmann::json::parse(as_text.outcome.stored_result.json()) == ran.outcome.result);
}

BOOST_AUTO_TEST_CASE(a_result_with_a_part_that_is_no_step_is_stored_as_text) {
  ScriptDir dir;
  dir.write("agents/a.lua", "return agent { name = 'a', run = function() return { ok = true } end }");
  dir.write("pipelines/f.lua", "return pipeline { name = 'f', run = function() return { made = 'by hand' } end }");
  dir.write("pipelines/s.lua", "return pipeline { name = 's', steps = { 'a', 'f' } }");
  dir.write("pipelines/outer.lua", "return pipeline { name = 'outer', steps = { 's' } }");
  auto snap = dir.load();
  lua::RunOptions options;
  options.result_from_steps = true;
  for (const auto* pipeline : {"f", "s", "outer"}) {
    BOOST_TEST_CONTEXT(pipeline) {
      auto ran = run_pipeline(*snap, pipeline, nlohmann::json::object(), options);
      BOOST_REQUIRE(ran.outcome.status == jobs::JobStatus::completed);
      BOOST_TEST(ran.outcome.stored_result.from_steps().empty());
      BOOST_TEST(nlohmann::json::parse(ran.outcome.stored_result.json()) == ran.outcome.result);
    }
  }
  dir.write("pipelines/only_steps.lua", "return pipeline { name = 'only_steps', steps = { 'a' } }");
  auto ran = run_pipeline(*dir.load(), "only_steps", nlohmann::json::object(), options);
  BOOST_REQUIRE(ran.outcome.status == jobs::JobStatus::completed);
  BOOST_TEST(ran.outcome.stored_result.from_steps() == R"({"a":"0001"})");
  BOOST_TEST(assembled(ran) == (nlohmann::json{{"a", {{"ok", true}}}}));
}
