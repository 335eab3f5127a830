// The agent tests: every shipped scripts/tests case passes against the real
// engine, and a broken case is reported as FAIL with a message that says
// what went wrong (assertion, replies out of step, sandbox limits).
#include <boost/test/unit_test.hpp>

#include <set>

#include "runtime/lua/agent_tests.h"
#include "scripts_test_support.h"
#include "server/cli/commands.h"
#include "support/script_dir.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

// One agent that renders its input and the earlier agents' outputs into its
// prompt, and a step pipeline that runs it after two others.
const char kEcho[] = R"lua(
return agent {
  name = "echo", output = { required = { "answer" } },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    local reply = llm.chat {
      system = "You answer briefly.",
      messages = { { role = "user", content = template(
        "Name: {{client.name}}. Goal: {{client.goal}}. First: {{first}}. Previous: {{previous}}.",
        { client = input, first = out.first, previous = ctx.previous }) } },
      json = true,
    }
    return reply.json
  end,
}
)lua";

const char kPlain[] = R"lua(
return agent { name = "%s", output = { required = { "answer" } },
  run = function(input) return llm.chat { prompt = "x", json = true }.json end }
)lua";

std::string plain_agent(const std::string& name) {
  std::string s = kPlain;
  s.replace(s.find("%s"), 2, name);
  return s;
}

struct TestDir {
  ScriptDir dir;
  TestDir() {
    dir.write("agents/echo.lua", kEcho);
    dir.write("agents/first.lua", plain_agent("first"));
    dir.write("agents/second.lua", plain_agent("second"));
    dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'first', 'second', 'echo' } }\n");
  }
  std::vector<lua::AgentTestResult> run(const std::string& test_file, lua::AgentTestOptions options = {}) {
    dir.write("tests/echo_test.lua", test_file);
    if (options.inputs_root.empty()) options.inputs_root = dir.path();
    return lua::run_agent_tests(*dir.load(), dir.path() / "tests", options);
  }
};

std::string describe(const std::vector<lua::AgentTestResult>& results) {
  std::string out;
  for (const auto& r : results)
    out += (r.passed ? "ok   " : "FAIL ") + r.agent + " " + r.name + ": " + r.message + "\n";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_shipped_agent_test_passes) {
  std::vector<lua::ScriptProblem> errors;
  const auto snapshot = lua::load_scripts(shipped_scripts(), errors);
  BOOST_REQUIRE_MESSAGE(snapshot, "the shipped scripts must load");
  const auto results = lua::run_agent_tests(*snapshot, shipped_scripts() / "tests");
  BOOST_REQUIRE(!results.empty());
  std::set<std::string> tested;
  for (const auto& r : results) {
    BOOST_CHECK_MESSAGE(r.passed, r.file << ": " << r.agent << " " << r.name << ": " << r.message);
    tested.insert(r.agent);
  }
  for (const auto& [name, _] : snapshot->agents)
    BOOST_CHECK_MESSAGE(tested.count(name), "agent " << name << " has no test in scripts/tests");
  BOOST_TEST_MESSAGE(results.size() << " shipped agent test cases");
}

BOOST_AUTO_TEST_CASE(a_failing_expect_is_reported_with_its_message) {
  TestDir t;
  const auto results = t.run(R"lua(
return {
  agent = "echo",
  cases = {
    { name = "passes", input = { name = "Ann", goal = "a first pull-up" },
      replies = { { json = { answer = "ok" } } },
      expect = function(output, calls)
        assert(output.answer == "ok")
        assert(calls[1].user:find("a first pull-up", 1, true), "the goal must be in the prompt")
      end },
    { name = "wrong expectation", input = { name = "Ann" },
      replies = { { json = { answer = "ok" } } },
      expect = function(output, calls)
        assert(calls[1].user:find("Bob", 1, true), "the prompt must name Bob")
      end },
  },
}
)lua");
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  BOOST_CHECK_MESSAGE(results[0].passed, describe(results));
  BOOST_CHECK(!results[1].passed);
  BOOST_CHECK_EQUAL(results[1].name, "wrong expectation");
  BOOST_CHECK_EQUAL(results[1].agent, "echo");
  BOOST_CHECK_MESSAGE(results[1].message == "tests/echo_test.lua:14: the prompt must name Bob", results[1].message);
}

BOOST_AUTO_TEST_CASE(replies_out_of_step_with_the_agent_fail_the_case) {
  TestDir t;
  const auto results = t.run(R"lua(
return {
  agent = "echo",
  cases = {
    { name = "no reply recorded", input = {} },
    { name = "one reply too many", input = {},
      replies = { { json = { answer = "ok" } }, { json = { answer = "unused" } } } },
    { name = "an agent that needs a re-ask", input = {},
      replies = { { text = "I think the answer is yes." }, { json = { answer = "yes" } } },
      expect = function(output, calls)
        assert(#calls == 2 and output.answer == "yes")
        assert(calls[2].messages[2].role == "assistant", "the re-ask shows the model its reply")
      end },
    { name = "expected failure", input = {}, replies = { { error = "HTTP 401: invalid key" } },
      expect_error = "invalid key" },
    { name = "expected failure that did not happen", input = {}, replies = { { json = { answer = "ok" } } },
      expect_error = "invalid key" },
  },
}
)lua");
  BOOST_REQUIRE_EQUAL(results.size(), 5u);
  BOOST_CHECK(!results[0].passed);
  BOOST_CHECK_MESSAGE(results[0].message.find("made LLM call 1 but the case recorded no replies") != std::string::npos,
                      results[0].message);
  BOOST_CHECK(!results[1].passed);
  BOOST_CHECK_MESSAGE(results[1].message == "the case recorded 2 replies but the agent made 1 LLM call(s)",
                      results[1].message);
  BOOST_CHECK_MESSAGE(results[2].passed, describe(results));
  BOOST_CHECK_MESSAGE(results[3].passed, describe(results));
  BOOST_CHECK(!results[4].passed);
  BOOST_CHECK_MESSAGE(results[4].message.find("but it completed") != std::string::npos, results[4].message);
}

BOOST_AUTO_TEST_CASE(outputs_are_ctx_outputs_replayed_in_pipeline_order) {
  TestDir t;
  const auto results = t.run(R"lua(
return {
  agent = "echo",
  cases = {
    { name = "seeded", input = { name = "Ann" },
      -- listed out of order on purpose: the pipeline's order decides ctx.previous
      outputs = { second = { answer = "from second" }, first = { answer = "from first" } },
      replies = { { json = { answer = "ok" } } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(user:find('First: {"answer":"from first"}', 1, true), "ctx.outputs.first: " .. user)
        assert(user:find('Previous: {"answer":"from second"}', 1, true), "ctx.previous: " .. user)
      end },
  },
}
)lua");
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_CHECK_MESSAGE(results[0].passed, describe(results));
}

BOOST_AUTO_TEST_CASE(input_file_is_read_from_the_inputs_root_and_input_patches_it) {
  TestDir t;
  t.dir.write("examples/person.json", R"lua({"name": "Laura", "goal": "run 10 km"})lua");
  const auto results = t.run(R"lua(
return {
  agent = "echo",
  cases = {
    { name = "patched", input_file = "examples/person.json", input = { name = "Laura B." },
      replies = { { json = { answer = "ok" } } },
      expect = function(output, calls)
        assert(calls[1].user:find("Name: Laura B.", 1, true), calls[1].user)
        assert(calls[1].user:find("Goal: run 10 km", 1, true), "fields not in input come from the file")
      end },
    { name = "missing file", input_file = "examples/nobody.json", replies = {} },
  },
}
)lua");
  BOOST_REQUIRE_MESSAGE(results.size() == 2u, describe(results));
  BOOST_CHECK_MESSAGE(results[0].passed, describe(results));
  BOOST_CHECK(!results[1].passed);
  BOOST_CHECK_MESSAGE(results[1].message.find("input_file 'examples/nobody.json' cannot be read") == 0,
                      results[1].message);
}

BOOST_AUTO_TEST_CASE(expect_runs_in_the_script_sandbox) {
  TestDir t;
  lua::AgentTestOptions options;
  options.run.limits.cpu_slice = std::chrono::milliseconds(200);
  const auto results = t.run(R"lua(
return {
  agent = "echo",
  cases = {
    { name = "no io", input = {}, replies = { { json = { answer = "ok" } } },
      expect = function() io.open("/etc/passwd") end },
    { name = "no os.execute", input = {}, replies = { { json = { answer = "ok" } } },
      expect = function() os.execute("true") end },
    { name = "no model", input = {}, replies = { { json = { answer = "ok" } } },
      expect = function() llm.chat { prompt = "hi" } end },
    { name = "runaway loop", input = {}, replies = { { json = { answer = "ok" } } },
      expect = function() while true do end end },
  },
}
)lua",
                             options);
  BOOST_REQUIRE_EQUAL(results.size(), 4u);
  for (const auto& r : results) BOOST_CHECK_MESSAGE(!r.passed, r.name);
  BOOST_CHECK_MESSAGE(results[0].message.find("'io'") != std::string::npos, results[0].message);
  BOOST_CHECK_MESSAGE(results[1].message.find("'execute'") != std::string::npos, results[1].message);
  BOOST_CHECK_MESSAGE(results[2].message.find("cannot call llm.chat") != std::string::npos, results[2].message);
  BOOST_CHECK_MESSAGE(results[3].message.find("CPU limit exceeded") == 0 &&
                          results[3].message.find("tests/echo_test.lua:12") != std::string::npos,
                      results[3].message);
}

BOOST_AUTO_TEST_CASE(a_broken_test_file_is_one_failure_naming_the_file) {
  TestDir t;
  auto results = t.run("return { agent = 'echo', cases = { { name = 'x' expect = 1 } } }\n");
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_CHECK(!results[0].passed);
  BOOST_CHECK(results[0].name.empty());
  BOOST_CHECK_MESSAGE(results[0].message.find("tests/echo_test.lua:1:") == 0, results[0].message);

  results = t.run("return { agent = 'nobody', cases = { { name = 'x' } } }\n");
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_CHECK_MESSAGE(results[0].message.find("agent 'nobody' does not exist") != std::string::npos,
                      results[0].message);
}

BOOST_AUTO_TEST_CASE(only_runs_the_named_agents) {
  TestDir t;
  t.dir.write("tests/first_test.lua",
              "return { agent = 'first', cases = { { name = 'f', replies = { { json = { answer = 1 } } } } } }\n");
  lua::AgentTestOptions options;
  options.only = {"first"};
  const auto results = t.run(
      "return { agent = 'echo', cases = { { name = 'e', replies = { { json = { answer = 1 } } } } } }\n", options);
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_CHECK_EQUAL(results[0].agent, "first");
  BOOST_CHECK_MESSAGE(results[0].passed, describe(results));
}

BOOST_AUTO_TEST_CASE(test_scripts_command_prints_a_line_per_case_and_fails_on_a_failure) {
  TestDir t;
  t.dir.write("tests/echo_test.lua", R"lua(
return { agent = "echo", cases = {
  { name = "fine", replies = { { json = { answer = "ok" } } } },
  { name = "broken", replies = { { json = { answer = "ok" } } },
    expect = function(output) assert(output.answer == "no", "answer must be no") end },
} }
)lua");
  CapturedStdout out;
  const int rc = run_cli(cli::test_scripts_command, {"test-scripts", "--scripts", t.dir.path().string()});
  const std::string text = out.text();
  out.restore();
  BOOST_CHECK_EQUAL(rc, 1);
  BOOST_CHECK_MESSAGE(text.find("ok   echo fine (") == 0, text);
  BOOST_CHECK_MESSAGE(text.find("FAIL echo broken: tests/echo_test.lua:5: answer must be no\n") != std::string::npos,
                      text);
  BOOST_CHECK_MESSAGE(text.find("1 file, 2 cases: 1 passed, 1 failed") != std::string::npos, text);
}
