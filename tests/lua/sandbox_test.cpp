// Every way out of the sandbox we know of, tried from a real script, and the
// memory and CPU limits stopping runaway scripts without harming the process.
#include <boost/test/unit_test.hpp>

#include <chrono>

#include <lua.hpp>

#include "run_helpers.h"
#include "runtime/lua/sandbox.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

lua::JobOutcome run_body(const std::string& body, lua::RunOptions options = {}) {
  ScriptDir dir;
  auto snap = pipeline_with_body(dir, body);
  return run_pipeline(*snap, "t", nlohmann::json::object(), options).outcome;
}

// Runs `expr` inside a pipeline and returns what `type(expr)` gives, or the
// error text when evaluating it raised.
std::string probe(const std::string& expr) {
  return result_of_body("local ok, v = pcall(function() return " + expr +
                        " end)\nreturn { v = ok and type(v) or tostring(v) }")["v"]
      .get<std::string>();
}

}  // namespace

BOOST_AUTO_TEST_CASE(dangerous_libraries_are_absent) {
  for (const char* expr : {"io", "debug", "ffi", "jit", "package", "dofile", "loadfile", "getfenv", "setfenv",
                           "rawset", "collectgarbage", "newproxy", "module", "gcinfo", "os.execute", "os.getenv",
                           "os.remove", "os.rename", "os.exit", "os.tmpname", "string.dump"})
    BOOST_CHECK_MESSAGE(probe(expr) == "nil", expr << " is reachable: " << probe(expr));
  BOOST_CHECK_EQUAL(probe("os.time"), "function");
  BOOST_CHECK_EQUAL(probe("os.clock"), "function");
  BOOST_CHECK_EQUAL(probe("os.date"), "function");
}

BOOST_AUTO_TEST_CASE(require_reaches_no_file_and_no_builtin) {
  for (const char* expr : {"require('io')", "require('ffi')", "require('os')", "require('debug')",
                           "require('../../etc/passwd')", "require('jit')"})
    BOOST_CHECK_MESSAGE(probe(expr).find("unknown module") != std::string::npos, expr << ": " << probe(expr));
}

BOOST_AUTO_TEST_CASE(bytecode_cannot_be_loaded) {
  auto out = run_body("local f, err = load('\\27LJ\\2 junk')\nreturn { f = type(f), err = err }");
  BOOST_REQUIRE(out.status == jobs::JobStatus::completed);
  BOOST_CHECK_EQUAL(out.result["f"], "nil");
  BOOST_CHECK_EQUAL(out.result["err"], "load: bytecode is not allowed");
  BOOST_CHECK_EQUAL(probe("load('return 1')()"), "number");
  // A loaded chunk runs in the sandbox too.
  BOOST_CHECK_EQUAL(probe("load('return io')()"), "nil");
}

BOOST_AUTO_TEST_CASE(shared_tables_are_read_only) {
  for (const char* expr : {"(function() string.format = nil end)()", "(function() table.insert = print end)()",
                           "(function() math.floor = nil end)()", "(function() json.encode = nil end)()",
                           "(function() llm.chat = nil end)()", "(function() os.time = nil end)()"})
    BOOST_CHECK_MESSAGE(probe(expr).find("read-only") != std::string::npos, expr << ": " << probe(expr));
  BOOST_CHECK_EQUAL(probe("getmetatable('')"), "boolean");
  BOOST_CHECK_EQUAL(probe("getmetatable(string)"), "boolean");
  BOOST_CHECK(probe("setmetatable(string, {})").find("protected metatable") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(one_script_cannot_change_what_another_sees) {
  ScriptDir dir;
  dir.write("agents/a.lua", R"(
    string = { format = function() return "hijacked" end }
    tostring = function() return "hijacked" end
    LEAK = "from a"
    return agent { name = "a", run = function() return { x = string.format("%d", 1) } end })");
  dir.write("agents/b.lua", R"(
    return agent { name = "b", run = function()
      return { format = string.format("%d", 2), tostr = tostring(3), leak = type(LEAK) }
    end })");
  dir.write("pipelines/p.lua", R"(return pipeline { name = "p", steps = { "a", "b" } })");
  auto ran = run_pipeline(*dir.load(), "p");
  BOOST_REQUIRE(ran.outcome.status == jobs::JobStatus::completed);
  BOOST_CHECK_EQUAL(ran.outcome.result["a"]["x"], "hijacked");
  BOOST_CHECK_EQUAL(ran.outcome.result["b"]["format"], "2");
  BOOST_CHECK_EQUAL(ran.outcome.result["b"]["tostr"], "3");
  BOOST_CHECK_EQUAL(ran.outcome.result["b"]["leak"], "nil");
}

BOOST_AUTO_TEST_CASE(memory_bomb_fails_its_job_with_file_and_line) {
  lua::RunOptions options;
  options.limits.memory_bytes = 16u << 20;
  auto out = run_body("local t = {}\nfor i = 1, 1e9 do t[i] = { i, i, i } end\nreturn {}", options);
  BOOST_CHECK(out.status == jobs::JobStatus::failed);
  BOOST_REQUIRE(out.error);
  BOOST_CHECK_EQUAL(out.error->reason, "script_error");
  BOOST_CHECK_MESSAGE(out.error->message.find("memory limit 16 MiB exceeded in pipelines/t.lua:3") == 0,
                      out.error->message);
}

BOOST_AUTO_TEST_CASE(string_concatenation_bomb_is_stopped) {
  lua::RunOptions options;
  options.limits.memory_bytes = 16u << 20;
  auto out = run_body("local s = 'x'\nwhile true do s = s .. s end", options);
  BOOST_REQUIRE(out.error);
  BOOST_CHECK_MESSAGE(out.error->message.find("memory limit 16 MiB exceeded") == 0, out.error->message);
  auto rep = run_body("return { s = string.rep('x', 1e9) }");
  BOOST_REQUIRE(rep.error);
  BOOST_CHECK_MESSAGE(rep.error->message.find("string.rep") != std::string::npos, rep.error->message);
}

BOOST_AUTO_TEST_CASE(infinite_loops_are_stopped_even_when_hot) {
  lua::RunOptions options;
  options.limits.cpu_slice = std::chrono::milliseconds(300);
  for (const char* body : {"while true do end", "local i = 0\nwhile true do i = i + 1 end",
                           // A script that swallows the error keeps meeting it.
                           "while true do pcall(function() while true do end end) end",
                           "for i = 1, 10 do local co = coroutine.wrap(function() while true do end end)\n"
                           "pcall(co) end\nwhile true do end"}) {
    const auto start = std::chrono::steady_clock::now();
    auto out = run_body(body, options);
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_REQUIRE_MESSAGE(out.error, body);
    BOOST_CHECK_EQUAL(out.error->reason, "script_error");
    BOOST_CHECK_MESSAGE(out.error->message.find("CPU limit exceeded") == 0, out.error->message);
    BOOST_CHECK_MESSAGE(out.error->message.find("pipelines/t.lua:") != std::string::npos, out.error->message);
    BOOST_CHECK(took < std::chrono::seconds(5));
  }
}

BOOST_AUTO_TEST_CASE(a_runaway_job_does_not_affect_the_next) {
  lua::RunOptions options;
  options.limits.memory_bytes = 8u << 20;
  options.limits.cpu_slice = std::chrono::milliseconds(200);
  run_body("local t = {}\nwhile true do t[#t + 1] = {} end", options);
  run_body("while true do end", options);
  auto ok = run_body("return { fine = true }", options);
  BOOST_CHECK(ok.status == jobs::JobStatus::completed);
  BOOST_CHECK_EQUAL(ok.result["fine"], true);
}

BOOST_AUTO_TEST_CASE(yield_across_a_c_boundary_is_an_ordinary_error) {
  auto out = run_body("table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end)\nreturn {}");
  BOOST_REQUIRE(out.error);
  BOOST_CHECK_EQUAL(out.error->reason, "script_error");
}

BOOST_AUTO_TEST_CASE(script_errors_carry_file_and_line) {
  auto out = run_body("local x = nil\nreturn { y = x.field }");
  BOOST_REQUIRE(out.error);
  // Line 3 of the file: the helper puts the function header on line 1.
  BOOST_CHECK_MESSAGE(out.error->message.find("pipelines/t.lua:3:") == 0, out.error->message);
}

BOOST_AUTO_TEST_CASE(churning_through_string_sizes_is_held_to_the_memory_limit) {
  // Freed small blocks serve only their own size (runtime/lua/state_arena.h):
  // a script that fills the state with strings of one size, drops them and
  // moves on to the next would hold a limit's worth per size if the limit
  // counted only the bytes in use.
  lua::SandboxLimits limits;
  limits.memory_bytes = 24u << 20;
  lua::Sandbox sandbox(limits);
  const char* churn = R"(
    for size = 32, 512, 16 do
      local t = {}
      for i = 1, math.floor(10 * 1024 * 1024 / (size + 32)) do t[i] = string.rep('x', size - 24) .. i end
      t = nil
    end)";
  const int status = luaL_dostring(sandbox.L(), churn);
  BOOST_TEST_MESSAGE("churn: " << (status == 0 ? "completed" : lua_tostring(sandbox.L(), -1)));
  // One chunk and one block of slack: the check runs before the allocation.
  BOOST_CHECK_LE(sandbox.memory_used(), limits.memory_bytes + 16 * 1024 + 512);
}
