// `agentry check`'s template warning: a placeholder that reads the input
// (`{{client.injury}}`) but that the sample input does not provide.
#include <boost/test/unit_test.hpp>

#include "runtime/lua/template_check.h"
#include "support/script_dir.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

std::string all(const std::vector<lua::ScriptProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.to_string() + "\n";
  return out;
}

// A repository layout: <root>/scripts and <root>/examples.
struct Repo {
  ScriptDir root;
  std::filesystem::path scripts() const { return root.path() / "scripts"; }
  std::filesystem::path examples() const { return root.path() / "examples"; }
  void write(const std::string& rel, const std::string& text) const { root.write(rel, text); }
  std::vector<lua::ScriptProblem> check() const {
    std::vector<lua::ScriptProblem> errors;
    auto snapshot = lua::load_scripts(scripts(), errors);
    if (!snapshot) throw std::runtime_error("scripts did not load: " + all(errors));
    return lua::check_template_variables(*snapshot, examples());
  }
};

const char kClient[] =
    R"lua({"name": "Laura", "goal": "a pull-up", "injuries": "left knee", "days": ["Mon", "Thu"]})lua";

}  // namespace

BOOST_AUTO_TEST_CASE(the_shipped_scripts_have_no_unprovided_placeholders) {
  std::vector<lua::ScriptProblem> errors;
  auto snapshot = lua::load_scripts(shipped_scripts(), errors);
  BOOST_REQUIRE(snapshot);
  const auto warnings =
      lua::check_template_variables(*snapshot, std::filesystem::path(AGENTRY_SOURCE_DIR) / "examples");
  BOOST_CHECK_MESSAGE(warnings.empty(), all(warnings));
}

BOOST_AUTO_TEST_CASE(a_misspelt_placeholder_is_reported_at_its_line) {
  Repo repo;
  repo.write("examples/client.json", kClient);
  repo.write("scripts/lib/cards.lua",
             "local M = {}\nM.card = [[\nName: {{client.name}}\nInjury: {{client.injury}}\n]]\nreturn M\n");
  repo.write("scripts/agents/a.lua", R"lua(local cards = require("cards")
local PROMPT = cards.card .. [[
Goal: {{client.goal}}, first day {{client.days.1}}, {{client.days.3}}
Earlier: {{profile}}]]
return agent { name = "a", run = function(input, ctx)
  return llm.chat { prompt = template(PROMPT, { client = input, profile = ctx.outputs.x }), json = true }.json
end }
)lua");
  repo.write("scripts/pipelines/plan.lua", "return pipeline { name = 'plan', steps = { 'a' } }\n");
  const auto warnings = repo.check();
  BOOST_REQUIRE_MESSAGE(warnings.size() == 2, all(warnings));  // sorted by file, then line
  BOOST_CHECK(warnings[0].warning);
  BOOST_CHECK_EQUAL(warnings[0].file, "agents/a.lua");
  BOOST_CHECK_EQUAL(warnings[0].line, 3);
  BOOST_CHECK_MESSAGE(warnings[0].message.find("{{client.days.3}}") == 0, warnings[0].message);
  BOOST_CHECK_EQUAL(warnings[1].file, "lib/cards.lua");
  BOOST_CHECK_EQUAL(warnings[1].line, 4);
  BOOST_CHECK_MESSAGE(warnings[1].message.find("{{client.injury}}: examples/client.json has no \"injury\"") == 0 &&
                          warnings[1].message.find("agent a in pipeline plan") != std::string::npos,
                      warnings[1].message);
}

BOOST_AUTO_TEST_CASE(function_pipelines_say_which_part_of_the_input_an_agent_gets) {
  Repo repo;
  repo.write("examples/chat.json", R"lua({"project": {"title": "Portal"}, "message": "hi"})lua");
  repo.write("examples/client.json", kClient);
  // `brief` is the agent's input.project, which is the job input's project.
  repo.write("scripts/agents/reply.lua", R"lua(
return agent { name = "reply", run = function(input)
  local system = template("Project: {{brief.title}} ({{brief.owner}})", { brief = input.project or {} })
  return llm.chat { system = system, prompt = input.message, json = true }.json
end }
)lua");
  // `job` is the agent's input.job, the whole job input; `story` is not input.
  repo.write("scripts/agents/task.lua", R"lua(
return agent { name = "task", run = function(input)
  return llm.chat { prompt = template("{{job.message}} {{job.mood}} {{story.title}}",
    { job = input.job, story = input.story }), json = true }.json
end }
)lua");
  repo.write("scripts/pipelines/chat.lua", R"lua(
return pipeline { name = "chat", run = function(input, ctx)
  local r = run_agent("reply", input)
  return run_agent("task", { job = input, story = r })
end }
)lua");
  const auto warnings = repo.check();
  BOOST_REQUIRE_MESSAGE(warnings.size() == 2, all(warnings));
  BOOST_CHECK_MESSAGE(warnings[0].message.find("{{brief.owner}}: examples/chat.json has no \"project.owner\"") == 0,
                      warnings[0].message);
  BOOST_CHECK_MESSAGE(warnings[1].message.find("{{job.mood}}: examples/chat.json has no \"mood\"") == 0,
                      warnings[1].message);
}

BOOST_AUTO_TEST_CASE(sample_input_declared_by_a_pipeline_or_an_agent_wins) {
  Repo repo;
  repo.write("examples/client.json", kClient);
  repo.write("examples/minimal.json", R"lua({"name": "Ann"})lua");
  repo.write("scripts/agents/a.lua", R"lua(
return agent { name = "a", run = function(input)
  return llm.chat { prompt = template("{{client.name}} {{client.goal}}", { client = input }), json = true }.json
end }
)lua");
  repo.write("scripts/agents/b.lua", R"lua(
return agent { name = "b", sample_input = "examples/client.json", run = function(input)
  return llm.chat { prompt = template("{{c.name}} {{c.goal}}", { c = input }), json = true }.json
end }
)lua");
  repo.write("scripts/pipelines/p.lua",
             "return pipeline { name = 'p', sample_input = 'examples/minimal.json', steps = { 'a', 'b' } }\n");
  const auto warnings = repo.check();
  BOOST_REQUIRE_MESSAGE(warnings.size() == 1, all(warnings));
  BOOST_CHECK_EQUAL(warnings[0].file, "agents/a.lua");
  BOOST_CHECK_MESSAGE(warnings[0].message.find("{{client.goal}}: examples/minimal.json has no \"goal\"") == 0,
                      warnings[0].message);

  repo.write("scripts/pipelines/p.lua",
             "return pipeline { name = 'p', sample_input = 'examples/gone.json', steps = { 'a', 'b' } }\n");
  const auto missing = repo.check();
  BOOST_REQUIRE(!missing.empty());
  BOOST_CHECK_MESSAGE(missing[0].file == "pipelines/p.lua" &&
                          missing[0].message.find("sample_input 'examples/gone.json' cannot be read") == 0,
                      all(missing));
}

BOOST_AUTO_TEST_CASE(examples_sit_beside_the_scripts_directory) {
  const auto cwd = std::filesystem::current_path();
  BOOST_CHECK_EQUAL(lua::examples_beside("scripts"), cwd / "examples");
  BOOST_CHECK_EQUAL(lua::examples_beside("scripts/"), cwd / "examples");
  BOOST_CHECK_EQUAL(lua::examples_beside("/srv/agentry/scripts"), std::filesystem::path("/srv/agentry/examples"));
}
