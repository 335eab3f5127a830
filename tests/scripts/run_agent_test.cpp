// `agentry run-agent`: every shipped agent runs alone on the mock provider
// with its prompt recorded, and the command shows the rendered prompt
// (--show-prompt) or one JSON document (--json).
#include <boost/test/unit_test.hpp>

#include "runtime/llm/mock_provider.h"
#include "runtime/lua/agent_tests.h"
#include "scripts_test_support.h"
#include "server/cli/commands.h"
#include "support/script_dir.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

std::shared_ptr<lua::ScriptSnapshot> shipped() {
  std::vector<lua::ScriptProblem> errors;
  auto snapshot = lua::load_scripts(shipped_scripts(), errors);
  if (!snapshot) throw std::runtime_error("the shipped scripts do not load");
  return snapshot;
}

// The input each shipped agent gets in its pipeline, built from the example
// inputs (and, for the backlog fan-out, the earlier agents' mock fixtures),
// with a value from it that its prompt must show.
struct AgentCase {
  nlohmann::json input;
  std::string visible;
};

AgentCase case_for(const lua::ScriptSnapshot& snapshot, const std::string& agent) {
  if (agent == "epic") return {example_input("backlog.json"), "Coach Review Portal"};
  if (agent == "stories")
    return {{{"brief", example_input("backlog.json")}, {"epic", *snapshot.find_agent("epic")->mock_fixture}},
            "Google Workspace"};
  if (agent == "tasks") {
    const auto& story = (*snapshot.find_agent("stories")->mock_fixture)["items"][0];
    return {{{"epic", *snapshot.find_agent("epic")->mock_fixture}, {"story", story}}, story["title"].get<std::string>()};
  }
  if (agent == "interview_reply") return {example_input("interview.json"), "changing portion sizes in the meal plan"};
  return {example_input("client.json"), "Laura Bennett"};
}

std::string prompt_text(const lua::RecordingProvider::Call& call) {
  std::string text = call.request.system;
  for (const auto& m : call.request.messages) text += "\n" + m.content;
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_shipped_agent_runs_alone_on_the_mock) {
  const auto snapshot = shipped();
  BOOST_REQUIRE_EQUAL(snapshot->agents.size(), 22u);
  for (const auto& [name, def] : snapshot->agents) {
    const AgentCase c = case_for(*snapshot, name);
    lua::AgentRunRequest request;
    request.agent = name;
    request.input = c.input;
    const auto run = lua::run_agent_alone(*snapshot, std::make_shared<llm::MockProvider>(), request);
    BOOST_CHECK_MESSAGE(run.outcome.status == jobs::JobStatus::completed,
                        name << ": " << (run.outcome.error ? run.outcome.error->message : ""));
    for (const auto& field : def.required_outputs)
      BOOST_CHECK_MESSAGE(run.outcome.result.contains(field), name << " output lacks " << field);
    BOOST_REQUIRE_MESSAGE(!run.calls.empty(), name << " made no LLM call");
    BOOST_CHECK_EQUAL(run.calls[0].request.agent, name);
    BOOST_CHECK_MESSAGE(prompt_text(run.calls[0]).find(c.visible) != std::string::npos,
                        name << "'s prompt does not show '" << c.visible << "'");
    BOOST_CHECK_EQUAL(run.outcome.totals.usage.llm_calls, static_cast<int64_t>(run.calls.size()));
  }
}

BOOST_AUTO_TEST_CASE(outputs_reach_the_agent_as_ctx_outputs) {
  const auto snapshot = shipped();
  lua::AgentRunRequest request;
  request.agent = "E3";
  request.input = example_input("client.json");
  request.outputs = {{"E1", *snapshot->find_agent("E1")->mock_fixture},
                     {"E2", *snapshot->find_agent("E2")->mock_fixture}};
  const auto run = lua::run_agent_alone(*snapshot, std::make_shared<llm::MockProvider>(), request);
  BOOST_REQUIRE(run.outcome.status == jobs::JobStatus::completed);
  BOOST_REQUIRE_EQUAL(run.calls.size(), 1u);  // E1 and E2 replayed, not called
  const std::string user = run.calls[0].request.messages.back().content;
  BOOST_CHECK(user.find("free-weight technique is still new") != std::string::npos);  // E1's profile
  BOOST_CHECK(user.find("Vertical pulling strength") != std::string::npos);           // E2's priorities
  BOOST_CHECK(user.find("(not provided)") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(show_prompt_prints_the_rendered_prompt_reply_and_output) {
  const std::string input = (std::filesystem::path(AGENTRY_SOURCE_DIR) / "examples" / "client.json").string();
  CapturedStdout out;
  const int rc = run_cli(cli::run_agent_command, {"run-agent", "E6", "--input", input, "--scripts",
                                                  shipped_scripts().string(), "--provider", "mock", "--show-prompt"});
  const std::string text = out.text();
  out.restore();
  BOOST_CHECK_EQUAL(rc, 0);
  BOOST_CHECK_MESSAGE(text.find("── call 1 of 1") != std::string::npos, text);
  BOOST_CHECK(text.find("── system\nYou are a certified strength and conditioning coach") != std::string::npos);
  BOOST_CHECK(text.find("── user\nCLIENT\nName: Laura Bennett") != std::string::npos);
  BOOST_CHECK(text.find("patellofemoral pain") != std::string::npos);  // the client's injury, from the input
  BOOST_CHECK(text.find("── reply (raw)") != std::string::npos);
  const auto output = text.find("── output\n");
  BOOST_REQUIRE(output != std::string::npos);
  const auto parsed = nlohmann::json::parse(text.substr(output + std::string("── output\n").size()), nullptr, false);
  BOOST_REQUIRE(!parsed.is_discarded());
  BOOST_CHECK(parsed.contains("sessions") && parsed.contains("substitutions") && parsed.contains("excluded"));
}

BOOST_AUTO_TEST_CASE(json_prints_one_document_with_calls_usage_and_status) {
  const std::string input = (std::filesystem::path(AGENTRY_SOURCE_DIR) / "examples" / "interview.json").string();
  CapturedStdout out;
  const int rc = run_cli(cli::run_agent_command, {"run-agent", "interview_reply", "--input", input, "--scripts",
                                                  shipped_scripts().string(), "--provider", "mock", "--json"});
  const std::string text = out.text();
  out.restore();
  BOOST_CHECK_EQUAL(rc, 0);
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  BOOST_REQUIRE_MESSAGE(!doc.is_discarded(), text);
  BOOST_CHECK_EQUAL(doc["agent"], "interview_reply");
  BOOST_CHECK_EQUAL(doc["status"], "completed");
  BOOST_CHECK(doc["error"].is_null());
  BOOST_CHECK(doc["output"].contains("reply") && doc["output"].contains("follow_up_questions"));
  BOOST_REQUIRE_EQUAL(doc["calls"].size(), 1u);
  const auto& call = doc["calls"][0];
  BOOST_CHECK(call["system"].get<std::string>().find("Coach Review Portal") != std::string::npos);
  BOOST_CHECK_EQUAL(call["messages"].size(), 4u);  // three turns of history and the new message
  BOOST_CHECK_EQUAL(call["messages"][0]["role"], "assistant");
  BOOST_CHECK(call["reply"].is_string());
  BOOST_CHECK(call["usage"]["prompt_tokens"].get<int64_t>() > 0);
  BOOST_CHECK(call.contains("latency_ms"));
  BOOST_CHECK_EQUAL(doc["usage"]["llm_calls"], 1);
  BOOST_CHECK(doc["duration_ms"].is_number());
}

BOOST_AUTO_TEST_CASE(a_failing_agent_exits_1_with_the_error_in_the_document) {
  ScriptDir dir;
  dir.write("agents/bad.lua",
            "return agent { name = 'bad', run = function(input) error('no client name given') end }\n");
  dir.write("pipelines/p.lua", "return pipeline { name = 'p', steps = { 'bad' } }\n");
  dir.write("input.json", "{}");
  CapturedStdout out;
  const int rc = run_cli(cli::run_agent_command, {"run-agent", "bad", "--input", (dir.path() / "input.json").string(),
                                                  "--scripts", dir.path().string(), "--json"});
  const std::string text = out.text();
  out.restore();
  BOOST_CHECK_EQUAL(rc, 1);
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  BOOST_REQUIRE_MESSAGE(!doc.is_discarded(), text);
  BOOST_CHECK_EQUAL(doc["status"], "failed");
  BOOST_CHECK(doc["output"].is_null());
  BOOST_CHECK_MESSAGE(doc["error"]["message"] == "agents/bad.lua:1: no client name given", doc.dump());
}
