// `agentry submit --watch` against a running server: the exit code follows
// the job's final status, and piped output shows every agent's completion.
#include "service_fixture.h"
#include "support/script_dir.h"

using namespace agentry::testing;

BOOST_AUTO_TEST_CASE(submit_watch_exits_with_the_jobs_final_status) {
  TempDir dir;
  ScriptDir scripts;
  scripts.write(
      "agents/fine.lua",
      "return agent { name = 'fine', run = function() llm.chat { prompt = 'hi' } return { ok = true } end }\n");
  scripts.write("agents/broken.lua",
                "return agent { name = 'broken', run = function(input)\n  return input.no.such.field\nend }\n");
  scripts.write("pipelines/good.lua", "return pipeline { name = 'good', steps = { 'fine', 'fine' } }\n");
  scripts.write("pipelines/bad.lua", "return pipeline { name = 'bad', steps = { 'fine', 'broken' } }\n");
  std::ofstream(dir.path / "input.json") << "{\"client\": \"x\"}";

  const int port = free_port();
  const std::string log = (dir.path / "serve.log").string();
  auto server = start_agentry({"serve", "--port", std::to_string(port), "--db",
                               "sqlite:" + (dir.path / "c.db").string(), "--scripts", scripts.path().string()},
                              {{"AGENTRY_MOCK_LATENCY_MS", "50"}}, log, port);
  const std::string base = agentry_binary() + " submit %s --input " + (dir.path / "input.json").string() +
                           " --server http://127.0.0.1:" + std::to_string(port) + " --watch";
  char command[1024];

  std::snprintf(command, sizeof command, base.c_str(), "good");
  auto good = run_command(command);
  BOOST_CHECK_EQUAL(good.exit_code, 0);
  BOOST_CHECK_MESSAGE(good.output.find(" 1/2]  50.0%  fine completed") != std::string::npos &&
                          good.output.find(" 2/2] 100.0%  fine completed") != std::string::npos,
                      good.output);
  BOOST_CHECK(good.output.find(": completed") != std::string::npos);
  BOOST_CHECK(good.output.find("\033[") == std::string::npos);  // no bar when piped

  std::snprintf(command, sizeof command, base.c_str(), "bad");
  auto bad = run_command(command);
  BOOST_CHECK_EQUAL(bad.exit_code, 1);
  BOOST_CHECK_MESSAGE(bad.output.find("failed (script_error: agents/broken.lua:2:") != std::string::npos, bad.output);

  auto unknown = run_command(agentry_binary() + " submit nope --input " + (dir.path / "input.json").string() +
                             " --server http://127.0.0.1:" + std::to_string(port));
  BOOST_CHECK_NE(unknown.exit_code, 0);
  BOOST_CHECK_MESSAGE(unknown.output.find("unknown_pipeline") != std::string::npos, unknown.output);
}
