// Per-agent limits: an agent's `memory_mb` and `timeout` hold while that
// agent runs, inside the job's own limits; a larger value is clamped with a
// warning.
#include <boost/test/unit_test.hpp>

#include "run_helpers.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

// Keeps 16 distinct 1 MiB strings alive at once.
constexpr char kAllocate16MiB[] = R"(
    local keep = {}
    for i = 1, 16 do keep[i] = string.rep("x", 1024 * 1024 - 8) .. string.format("%08d", i) end
    return { n = #keep })";

void write_agent(const ScriptDir& dir, const std::string& name, const std::string& fields, const std::string& body) {
  dir.write("agents/" + name + ".lua",
            "return agent { name = '" + name + "', " + fields + " run = function(input, ctx)\n" + body + "\nend }\n");
}

std::string error_of(const Ran& ran) { return ran.outcome.error ? ran.outcome.error->message : ""; }

}  // namespace

BOOST_AUTO_TEST_CASE(an_agents_memory_mb_stops_it_and_names_agent_and_limit) {
  ScriptDir dir;
  write_agent(dir, "small", "memory_mb = 8,", kAllocate16MiB);
  write_agent(dir, "roomy", "", kAllocate16MiB);
  dir.write("pipelines/limited.lua", "return pipeline { name = 'limited', steps = { 'small' } }");
  dir.write("pipelines/unlimited.lua", "return pipeline { name = 'unlimited', steps = { 'roomy' } }");
  auto snap = dir.load();

  auto limited = run_pipeline(*snap, "limited");
  BOOST_CHECK(limited.outcome.status == jobs::JobStatus::failed);
  BOOST_REQUIRE(limited.outcome.error);
  BOOST_CHECK_EQUAL(limited.outcome.error->reason, "script_error");
  BOOST_CHECK_MESSAGE(error_of(limited).find("agent small: memory limit 8 MiB") != std::string::npos,
                      error_of(limited));

  auto unlimited = run_pipeline(*snap, "unlimited");
  BOOST_CHECK_MESSAGE(unlimited.outcome.status == jobs::JobStatus::completed, error_of(unlimited));
  BOOST_CHECK_EQUAL(unlimited.outcome.result["roomy"]["n"], 16);
}

BOOST_AUTO_TEST_CASE(the_job_limit_is_back_once_a_limited_agent_returns) {
  ScriptDir dir;
  write_agent(dir, "small", "memory_mb = 8,", "return { ok = true }");
  write_agent(dir, "roomy", "", kAllocate16MiB);
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'small', 'roomy' } }");
  auto ran = run_pipeline(*dir.load(), "p");
  BOOST_CHECK_MESSAGE(ran.outcome.status == jobs::JobStatus::completed, error_of(ran));
}

BOOST_AUTO_TEST_CASE(limits_follow_each_item_of_parallel_map) {
  ScriptDir dir;
  write_agent(dir, "small", "memory_mb = 8,", kAllocate16MiB);
  write_agent(dir, "roomy", "", "local r = llm.chat { prompt = 'hi' }\n" + std::string(kAllocate16MiB));
  dir.write("pipelines/p.lua", R"(return pipeline { name = 'p', run = function(input)
    return parallel.map(input.agents, function(name) return run_agent(name, {}) end)
  end })");
  auto snap = dir.load();
  auto fine = run_pipeline(*snap, "p", {{"agents", {"roomy", "roomy"}}});
  BOOST_CHECK_MESSAGE(fine.outcome.status == jobs::JobStatus::completed, error_of(fine));
  auto failing = run_pipeline(*snap, "p", {{"agents", {"roomy", "small"}}});
  BOOST_CHECK(failing.outcome.status == jobs::JobStatus::failed);
  BOOST_CHECK_MESSAGE(error_of(failing).find("agent small: memory limit 8 MiB") != std::string::npos,
                      error_of(failing));
}

BOOST_AUTO_TEST_CASE(memory_mb_above_the_job_limit_is_clamped_with_a_warning) {
  ScriptDir dir;
  write_agent(dir, "greedy", "memory_mb = 4096,", kAllocate16MiB);
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'greedy' } }");
  auto snap = dir.load();
  bool warned = false;
  for (const auto& w : snap->warnings)
    warned |= w.file == "agents/greedy.lua" &&
              w.message.find("memory_mb 4096 is above the job limit of 64 MiB") != std::string::npos;
  BOOST_CHECK(warned);
  BOOST_CHECK(!snap->find_agent("greedy")->memory_bytes);
  auto ran = run_pipeline(*snap, "p");
  BOOST_CHECK_MESSAGE(ran.outcome.status == jobs::JobStatus::completed, error_of(ran));
}

BOOST_AUTO_TEST_CASE(invalid_limits_are_load_errors) {
  ScriptDir dir;
  write_agent(dir, "a", "memory_mb = 0,", "return {}");
  write_agent(dir, "b", "timeout = -5,", "return {}");
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'a', 'b' } }");
  std::vector<lua::ScriptProblem> errors;
  BOOST_CHECK(!lua::load_scripts(dir.path(), errors));
  std::string all;
  for (const auto& e : errors) all += e.to_string() + "\n";
  BOOST_CHECK_MESSAGE(all.find("agents/a.lua: memory_mb must be at least 1") != std::string::npos, all);
  BOOST_CHECK_MESSAGE(all.find("agents/b.lua: timeout must be a number of seconds") != std::string::npos, all);
}

BOOST_AUTO_TEST_CASE(an_agents_timeout_stops_its_llm_call_waiting_for_an_answer) {
  // A call on the job thread (llm.chat) and one on its own thread
  // (parallel.map) both give up at the agent's deadline, not the model's.
  ScriptDir dir;
  write_agent(dir, "slow", "timeout = 1,", "llm.chat { prompt = 'hi' } return {}");
  write_agent(dir, "slow_map", "timeout = 1,",
              "parallel.map({ 1 }, function() return llm.chat { prompt = 'hi' } end) return {}");
  dir.write("pipelines/p_slow.lua", "return pipeline { name = 'p_slow', steps = { 'slow' } }");
  dir.write("pipelines/p_slow_map.lua", "return pipeline { name = 'p_slow_map', steps = { 'slow_map' } }");
  auto snap = dir.load();
  for (const char* name : {"slow", "slow_map"}) {
    const auto started = std::chrono::steady_clock::now();
    auto ran = run_pipeline(*snap, std::string("p_") + name, nlohmann::json::object(), {},
                            std::make_shared<llm::MockProvider>(llm::MockOptions{std::chrono::seconds(20)}));
    const auto took = std::chrono::steady_clock::now() - started;
    BOOST_REQUIRE(ran.outcome.error);
    BOOST_CHECK_EQUAL(ran.outcome.error->reason, "timeout");
    BOOST_CHECK_MESSAGE(
        error_of(ran).find(std::string("agent ") + name + " exceeded its timeout of 1 s") != std::string::npos,
        error_of(ran));
    BOOST_CHECK_MESSAGE(took < std::chrono::seconds(3),
                        name << " took " << (took / std::chrono::milliseconds(1)) << " ms; the model answers in 20 s");
  }
}

BOOST_AUTO_TEST_CASE(an_agents_timeout_stops_a_busy_loop_and_a_sleep) {
  ScriptDir dir;
  write_agent(dir, "spin", "timeout = 1,", "while true do end");
  write_agent(dir, "nap", "timeout = 1,", "sleep(0.6) sleep(0.6) return {}");
  dir.write("pipelines/p_spin.lua", "return pipeline { name = 'p_spin', steps = { 'spin' } }");
  dir.write("pipelines/p_nap.lua", "return pipeline { name = 'p_nap', steps = { 'nap' } }");
  auto snap = dir.load();
  for (const char* name : {"spin", "nap"}) {
    const auto started = std::chrono::steady_clock::now();
    auto ran = run_pipeline(*snap, std::string("p_") + name);
    const auto took = std::chrono::steady_clock::now() - started;
    BOOST_CHECK(ran.outcome.status == jobs::JobStatus::failed);
    BOOST_REQUIRE(ran.outcome.error);
    BOOST_CHECK_EQUAL(ran.outcome.error->reason, "timeout");
    BOOST_CHECK_MESSAGE(
        error_of(ran).find(std::string("agent ") + name + " exceeded its timeout of 1 s") != std::string::npos,
        error_of(ran));
    // Well before the job's 5 s CPU slice or 30 min timeout would have.
    BOOST_CHECK(took < std::chrono::seconds(4));
  }
}
