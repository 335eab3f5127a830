// The script registry: validation with file:line errors, snapshots that
// never go bad, and hot reload within a second of a save.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "run_helpers.h"
#include "runtime/lua/script_registry.h"
#include "runtime/lua/script_watcher.h"

using namespace agentry;
using namespace agentry::testing;
using namespace std::chrono_literals;

namespace {

std::string agent_saying(const std::string& name, const std::string& word) {
  return "return agent { name = '" + name + "', output = { required = { 'word' } },\n"
         "  run = function() return { word = '" + word + "' } end }\n";
}

void write_two_agent_set(const ScriptDir& dir) {
  dir.write("agents/A.lua", agent_saying("A", "one"));
  dir.write("agents/B.lua", agent_saying("B", "bee"));
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'A', 'B' } }\n");
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

std::string word_of(const lua::ScriptSnapshot& snap) {
  auto ran = run_pipeline(snap, "p");
  BOOST_REQUIRE(ran.outcome.status == jobs::JobStatus::completed);
  return ran.outcome.result["A"]["word"].get<std::string>();
}

}  // namespace

BOOST_AUTO_TEST_CASE(shipped_scripts_load_with_a_content_version) {
  lua::ScriptRegistry registry(shipped_scripts());
  auto result = registry.reload();
  BOOST_REQUIRE_MESSAGE(result.published, (result.errors.empty() ? "" : result.errors[0].to_string()));
  auto snap = registry.current();
  BOOST_CHECK_EQUAL(snap->version.size(), 16u);
  for (const auto* p : {"training", "nutrition", "full", "backlog_generation", "interview_message"})
    BOOST_CHECK_MESSAGE(snap->find_pipeline(p), p);
  BOOST_CHECK_EQUAL(snap->agents.size(), 22u);
  // The same content is the same version.
  BOOST_CHECK(registry.reload().unchanged);
}

BOOST_AUTO_TEST_CASE(syntax_error_keeps_the_old_snapshot_and_reports_file_line) {
  ScriptDir dir;
  write_two_agent_set(dir);
  lua::ScriptRegistry registry(dir.path());
  BOOST_REQUIRE(registry.reload().published);
  const auto good = registry.current()->version;

  dir.write("agents/A.lua", "return agent { name = 'A',\n  run = function()\n    local x\n    x 1\n  end }\n");
  auto result = registry.reload();
  BOOST_CHECK(!result.published);
  BOOST_REQUIRE_EQUAL(result.errors.size(), 1u);
  BOOST_CHECK_EQUAL(result.errors[0].file, "agents/A.lua");
  BOOST_CHECK_EQUAL(result.errors[0].line, 4);
  BOOST_CHECK_MESSAGE(result.errors[0].to_string().find("agents/A.lua:4: '=' expected near '1'") == 0,
                      result.errors[0].to_string());
  BOOST_CHECK_EQUAL(registry.current()->version, good);
  BOOST_CHECK_EQUAL(registry.last_errors().size(), 1u);
  BOOST_CHECK_EQUAL(word_of(*registry.current()), "one");
}

BOOST_AUTO_TEST_CASE(a_pipeline_naming_a_missing_agent_is_refused_with_its_line) {
  ScriptDir dir;
  write_two_agent_set(dir);
  lua::ScriptRegistry registry(dir.path());
  BOOST_REQUIRE(registry.reload().published);
  dir.write("pipelines/p.lua", "return pipeline {\n  name = 'p',\n  steps = { 'A',\n 'E10' } }\n");
  auto result = registry.reload();
  BOOST_CHECK(!result.published);
  BOOST_REQUIRE_EQUAL(result.errors.size(), 1u);
  BOOST_CHECK_EQUAL(result.errors[0].to_string(), "pipelines/p.lua:4: step 'E10' names no agent or pipeline");
  BOOST_CHECK(registry.current()->find_pipeline("p")->steps.size() == 2);
}

BOOST_AUTO_TEST_CASE(shape_errors_are_reported) {
  ScriptDir dir;
  write_two_agent_set(dir);
  dir.write("agents/C.lua", "return { name = 'C' }\n");
  dir.write("agents/D.lua", "return agent { name = 'Dee', run = function() end }\n");
  dir.write("agents/E.lua", "error('boom at load')\n");
  std::vector<lua::ScriptProblem> errors;
  BOOST_CHECK(!lua::load_scripts(dir.path(), errors));
  std::string all;
  for (const auto& e : errors) all += e.to_string() + "\n";
  BOOST_CHECK_MESSAGE(all.find("agents/C.lua: the file must return agent { ... }") != std::string::npos, all);
  BOOST_CHECK_MESSAGE(all.find("agents/D.lua: agent name 'Dee' does not match") != std::string::npos, all);
  BOOST_CHECK_MESSAGE(all.find("agents/E.lua:1: boom at load") != std::string::npos, all);
}

BOOST_AUTO_TEST_CASE(a_saved_agent_is_live_for_the_next_job_within_a_second) {
  ScriptDir dir;
  write_two_agent_set(dir);
  lua::ScriptRegistry registry(dir.path());
  BOOST_REQUIRE(registry.reload().published);
  lua::ScriptWatcher watcher(registry);

  const auto v1 = registry.current()->version;
  const auto saved = std::chrono::steady_clock::now();
  dir.write("agents/A.lua", agent_saying("A", "two"));
  BOOST_REQUIRE(wait_until([&] { return registry.current()->version != v1; }, 1000ms));
  BOOST_TEST_MESSAGE("reload after "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - saved)
                            .count()
                     << " ms");
  BOOST_CHECK_EQUAL(word_of(*registry.current()), "two");

  // Editors that save by writing a temp file and renaming it over the original.
  const auto v2 = registry.current()->version;
  dir.write_by_rename("agents/A.lua", agent_saying("A", "three"));
  BOOST_REQUIRE(wait_until([&] { return registry.current()->version != v2; }, 1000ms));
  BOOST_CHECK_EQUAL(word_of(*registry.current()), "three");

  // A broken save changes nothing live.
  const auto v3 = registry.current()->version;
  dir.write("agents/A.lua", "return agent {");
  BOOST_REQUIRE(wait_until([&] { return !registry.last_errors().empty(); }, 1000ms));
  BOOST_CHECK_EQUAL(registry.current()->version, v3);
  BOOST_CHECK_EQUAL(word_of(*registry.current()), "three");
}

BOOST_AUTO_TEST_CASE(a_running_job_finishes_on_the_snapshot_it_started_on) {
  ScriptDir dir;
  write_two_agent_set(dir);
  lua::ScriptRegistry registry(dir.path());
  BOOST_REQUIRE(registry.reload().published);
  lua::ScriptWatcher watcher(registry);
  auto started_on = registry.current();

  // A's reply is slow, so B runs after the edit below has gone live.
  auto slow = std::make_shared<llm::MockProvider>(llm::MockOptions{400ms});
  dir.write("agents/A.lua",
            "return agent { name = 'A', run = function()\n"
            "  llm.chat { prompt = 'hello' }\n  return { word = 'one' } end }\n");
  BOOST_REQUIRE(wait_until([&] { return registry.current()->version != started_on->version; }, 1000ms));
  started_on = registry.current();
  std::optional<Ran> ran;
  std::thread job([&] { ran = run_pipeline(*started_on, "p", nlohmann::json::object(), {}, slow); });
  std::this_thread::sleep_for(100ms);
  dir.write("agents/B.lua", agent_saying("B", "changed"));
  BOOST_REQUIRE(wait_until([&] { return registry.current()->version != started_on->version; }, 1000ms));
  job.join();
  BOOST_REQUIRE(ran && ran->outcome.status == jobs::JobStatus::completed);
  BOOST_CHECK_EQUAL(ran->outcome.result["B"]["word"], "bee");
  BOOST_CHECK_EQUAL(run_pipeline(*registry.current(), "p").outcome.result["B"]["word"], "changed");
}
