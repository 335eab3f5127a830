// Hostile scripts: each tries to read what it must not (the environment, the
// LLM key), reach another job, break the host through a C boundary or flood
// the store. Each must fail (or be contained in) its own job, with a message
// that says what happened, and leave every other job alone.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <future>

#include "run_helpers.h"
#include "runtime/jobs/job.h"
#include "runtime/lua/job_host.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

constexpr char kFakeKey[] = "sk-test-hostile-3f9a1c7e5b2d4f60";

std::string error_of(const lua::JobOutcome& out) { return out.error ? out.error->message : ""; }

// Runs `pipeline` of `snap` as its own job on its own thread.
std::future<Ran> run_async(std::shared_ptr<lua::ScriptSnapshot> snap, std::string pipeline, nlohmann::json input) {
  return std::async(std::launch::async, [snap, pipeline, input] { return run_pipeline(*snap, pipeline, input); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(scripts_cannot_read_the_environment_or_the_llm_key) {
  ::setenv("OPENAI_API_KEY", kFakeKey, 1);
  ::setenv("AGENTRY_TEST_SECRET", kFakeKey, 1);
  ScriptDir dir;
  // Walks every value a script can reach from its globals, the input, ctx and
  // an LLM reply, looking for the key; and tries every way to the environment.
  dir.write("agents/snoop.lua", R"lua(
    local KEY = "sk-test-hostile-3f9a1c7e5b2d4f60"
    local found, seen = {}, {}
    local function walk(v, path)
      if type(v) == "string" then
        if v:find(KEY, 1, true) then found[#found + 1] = path end
      elseif type(v) == "table" and not seen[v] then
        seen[v] = true
        for k, x in pairs(v) do walk(k, path .. "[key]") walk(x, path .. "." .. tostring(k)) end
        local mt = getmetatable(v)
        if type(mt) == "table" then walk(mt, path .. ".<mt>") end
      elseif type(v) == "function" then
        local ok, r = pcall(v)
        if ok then walk(r, path .. "()") end
      end
    end
    return agent { name = "snoop", run = function(input, ctx)
      local roots = { string = string, table = table, math = math, bit = bit, coroutine = coroutine, os = os,
                      json = json, llm = llm, job = job, parallel = parallel, input = input, ctx = ctx,
                      reply = llm.chat { prompt = "hello" } }
      for name, v in pairs(roots) do if name ~= "job" and name ~= "parallel" and name ~= "llm" then walk(v, name) end end
      walk({ job.id, os.date(), tostring(os.time()) }, "values")
      local getenv_type = type(os.getenv)
      local via_require = pcall(require, "os")
      local via_load = load("return os.getenv")()
      return { found = found, getenv = getenv_type, require_os = via_require, load_getenv = type(via_load),
               io = type(io), debug = type(debug), host = type(host), g = type(_G) }
    end })lua");
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'snoop' } }");
  auto ran = run_pipeline(*dir.load(), "p", {{"note", "no key here"}});
  ::unsetenv("OPENAI_API_KEY");
  ::unsetenv("AGENTRY_TEST_SECRET");
  BOOST_REQUIRE_MESSAGE(ran.outcome.status == jobs::JobStatus::completed, error_of(ran.outcome));
  const auto& r = ran.outcome.result["snoop"];
  BOOST_CHECK_MESSAGE(r["found"].empty(), r["found"].dump());
  BOOST_CHECK_EQUAL(r["getenv"], "nil");
  BOOST_CHECK_EQUAL(r["require_os"], false);
  BOOST_CHECK_EQUAL(r["load_getenv"], "nil");
  for (const char* name : {"io", "debug", "host", "g"}) BOOST_CHECK_MESSAGE(r[name] == "nil", name << ": " << r[name]);
  // Nor does anything the job stored carry it.
  BOOST_CHECK(ran.outcome.result.dump().find(kFakeKey) == std::string::npos);
  for (const auto& e : ran.journal->events()) BOOST_CHECK(e.details.find(kFakeKey) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_job_writing_globals_and_shared_tables_does_not_touch_a_parallel_job) {
  ScriptDir dir;
  // The writer changes everything it can while the reader runs at the same
  // time, then both report what they saw.
  dir.write("pipelines/writer.lua", R"(return pipeline { name = 'writer', run = function(input)
    SHARED = "from the writer"
    local results = {}
    for _, try in ipairs {
      function() string.upper = function() return "hijacked" end end,
      function() table.insert = nil end,
      function() json.encode = function() return "hijacked" end end,
      function() getmetatable("").__index = { upper = function() return "hijacked" end } end,
      function() setmetatable(string, {}) end,
      function() rawset(string, "upper", nil) end,
    } do
      local ok, err = pcall(try)
      results[#results + 1] = ok and "changed" or tostring(err)
    end
    sleep(0.4)
    return { results = results, mine = SHARED }
  end })");
  dir.write("pipelines/reader.lua", R"(return pipeline { name = 'reader', run = function(input)
    sleep(0.2)
    return { shared = type(SHARED), upper = ("abc"):upper(), encode = json.encode({ 1 }),
             insert = type(table.insert) }
  end })");
  auto snap = dir.load();
  auto writer = run_async(snap, "writer", nlohmann::json::object());
  auto reader = run_async(snap, "reader", nlohmann::json::object());
  auto w = writer.get().outcome;
  auto r = reader.get().outcome;
  BOOST_REQUIRE_MESSAGE(w.status == jobs::JobStatus::completed, error_of(w));
  BOOST_REQUIRE_MESSAGE(r.status == jobs::JobStatus::completed, error_of(r));
  for (const auto& result : w.result["results"]) BOOST_CHECK_MESSAGE(result != "changed", w.result.dump());
  BOOST_CHECK_EQUAL(w.result["mine"], "from the writer");
  BOOST_CHECK_EQUAL(r.result["shared"], "nil");
  BOOST_CHECK_EQUAL(r.result["upper"], "ABC");
  BOOST_CHECK_EQUAL(r.result["encode"], "[1]");
  BOOST_CHECK_EQUAL(r.result["insert"], "function");
}

BOOST_AUTO_TEST_CASE(yielding_across_c_boundaries_fails_only_its_own_job) {
  ScriptDir dir;
  dir.write("agents/echo.lua",
            "return agent { name = 'echo', run = function(i) "
            "return { text = llm.chat { prompt = 'hi' }.text } end }");
  dir.write("pipelines/p.lua", R"(return pipeline { name = 'p', run = function(input)
    local how = input.how
    if how == "sort" then
      table.sort({ 3, 2, 1 }, function(a, b) coroutine.yield() return a < b end)
    elseif how == "gsub" then
      string.gsub("abc", "%w", function(c) coroutine.yield(c) end)
    elseif how == "llm_in_sort" then
      parallel.map({ 1, 2 }, function()
        table.sort({ 3, 2, 1 }, function(a, b) llm.chat { prompt = "x" } return a < b end)
      end)
    elseif how == "llm_in_gsub" then
      parallel.map({ 1 }, function() return (string.gsub("ab", "%w", function() llm.chat { prompt = "x" } end)) end)
    elseif how == "odd_yield" then
      parallel.map({ 1 }, function() coroutine.yield("not an llm call") end)
    elseif how == "pcall_in_map" then
      -- LuaJIT can yield through pcall: this one must work.
      return { r = parallel.map({ 1, 2, 3 }, function(i)
        local ok, out = pcall(run_agent, "echo", { i = i })
        return ok and out.text ~= nil
      end) }
    end
    return { done = true }
  end })");
  auto snap = dir.load();

  // A healthy job runs beside each hostile one and is not disturbed by it.
  for (const char* how : {"sort", "gsub", "llm_in_sort", "llm_in_gsub", "odd_yield"}) {
    auto healthy = run_async(snap, "p", {{"how", "pcall_in_map"}});
    auto hostile = run_pipeline(*snap, "p", {{"how", how}}).outcome;
    BOOST_CHECK_MESSAGE(hostile.status == jobs::JobStatus::failed, how);
    BOOST_REQUIRE_MESSAGE(hostile.error, how);
    BOOST_CHECK_EQUAL(hostile.error->reason, "script_error");
    const std::string msg = error_of(hostile);
    BOOST_CHECK_MESSAGE(msg.find("yield") != std::string::npos || msg.find("parallel.map") != std::string::npos,
                        how << ": " << msg);
    auto ok = healthy.get().outcome;
    BOOST_CHECK_MESSAGE(ok.status == jobs::JobStatus::completed, how << ": " << error_of(ok));
    BOOST_CHECK_EQUAL(ok.result["r"], nlohmann::json({true, true, true}));
  }
}

BOOST_AUTO_TEST_CASE(huge_strings_are_cut_before_they_are_stored) {
  ScriptDir dir;
  dir.write("agents/loud.lua", R"(return agent { name = 'loud', run = function(input)
    local big = string.rep("y", 4 * 1024 * 1024)
    job.log("flood", big)
    job.log(big, "event name")
    print(big, big)
    job.progress(50, big)
    error(big)
  end })");
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'loud' } }");
  auto ran = run_pipeline(*dir.load(), "p");
  BOOST_CHECK(ran.outcome.status == jobs::JobStatus::failed);
  BOOST_REQUIRE(ran.outcome.error);
  BOOST_CHECK_LE(ran.outcome.error->message.size(), 65 * 1024u);
  BOOST_CHECK(ran.outcome.error->message.find("[truncated]") != std::string::npos);
  size_t flood_events = 0;
  for (const auto& e : ran.journal->events()) {
    BOOST_CHECK_LE(e.event.size(), 128u);
    BOOST_CHECK_LE(e.details.size(), 65 * 1024u);
    flood_events += e.details.find("[truncated]") != std::string::npos;
  }
  BOOST_CHECK_GE(flood_events, 3u);  // log, print, agent_failed
  for (const auto& p : ran.journal->progress_history()) BOOST_CHECK_LE(p.message.size(), 65 * 1024u);
}

BOOST_AUTO_TEST_CASE(an_output_that_is_not_utf8_completes_and_is_stored_with_replacement_characters) {
  ScriptDir dir;
  dir.write("agents/raw.lua", R"(return agent { name = 'raw', run = function(input)
    return { text = "caf" .. string.char(0xE9) .. " latin-1" }
  end })");
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'raw' } }");
  auto ran = run_pipeline(*dir.load(), "p");
  BOOST_CHECK_MESSAGE(ran.outcome.status == jobs::JobStatus::completed,
                      (ran.outcome.error ? ran.outcome.error->message : std::string()));
  const auto steps = ran.journal->steps();
  BOOST_REQUIRE_EQUAL(steps.size(), 1u);
  // What the SQL store writes for it: U+FFFD in place of the stray byte.
  BOOST_CHECK(jobs::json_text(steps.begin()->second.output).find("caf\xEF\xBF\xBD latin-1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_logging_loop_stores_a_bounded_log) {
  ScriptDir dir;
  dir.write("agents/chatty.lua", R"(return agent { name = 'chatty', run = function(input)
    for i = 1, 20000 do job.log("tick", i); print(i) end
    return { done = true }
  end })");
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'chatty' } }");
  auto ran = run_pipeline(*dir.load(), "p");
  BOOST_CHECK(ran.outcome.status == jobs::JobStatus::completed);
  size_t script_entries = 0, truncation_notes = 0;
  for (const auto& e : ran.journal->events()) {
    script_entries += e.event == "tick" || e.event == "print";
    truncation_notes += e.event == "log_truncated";
  }
  BOOST_CHECK_EQUAL(script_entries, lua::kMaxScriptLogEntries);
  BOOST_CHECK_EQUAL(truncation_notes, 1u);
}
