// `agentry run-agent NAME --input FILE`: one agent alone, for prompt
// engineers iterating on it. Shows what the model was asked (--show-prompt),
// what it answered and what the agent made of it, or all of that as one JSON
// object (--json). No server, no database; exits 0 when the agent completed.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "runtime/llm/mock_provider.h"
#include "runtime/llm/openai_provider.h"
#include "runtime/lua/agent_tests.h"
#include "runtime/lua/script_registry.h"
#include "server/cli/args.h"
#include "server/cli/commands.h"
#include "server/cli/script_options.h"

namespace agentry::cli {

namespace {

constexpr char kUsage[] =
    "usage: agentry run-agent NAME --input FILE|- [--outputs FILE] [--scripts DIR] [--provider mock|openai] "
    "[--show-prompt] [--json]";

nlohmann::json read_json(const std::string& path, const char* what) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(std::string("cannot read ") + what + " file '" + path + "'");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) throw UsageError(std::string("the ") + what + " in '" + path + "' is not valid JSON");
  if (!json.is_object()) throw UsageError(std::string("the ") + what + " must be a JSON object");
  return json;
}

// ctx.outputs from --outputs: either {"E1": {...}, ...} or what `agentry run
// --json` printed (the job document; its result is used). Nested pipeline
// results ({"training": {"E1": ...}}) are flattened to their agents.
void collect_outputs(const lua::ScriptSnapshot& snapshot, const nlohmann::json& from, nlohmann::json& into) {
  for (const auto& [name, value] : from.items()) {
    if (snapshot.find_agent(name))
      into[name] = value;
    else if (snapshot.find_pipeline(name) && value.is_object())
      collect_outputs(snapshot, value, into);
    else
      throw UsageError("--outputs: '" + name + "' is neither an agent nor a pipeline");
  }
}

std::string pretty_reply(const std::string& text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() || !parsed.is_structured() ? text : parsed.dump(2);
}

void print_call(size_t number, size_t count, const lua::RecordingProvider::Call& call) {
  const auto& r = call.request;
  std::printf("── call %zu of %zu · %s · %lld ms", number, count, r.model.empty() ? "default model" : r.model.c_str(),
              static_cast<long long>(call.latency.count()));
  if (call.reply)
    std::printf(" · %lld prompt + %lld completion tokens", static_cast<long long>(call.reply->usage.prompt_tokens),
                static_cast<long long>(call.reply->usage.completion_tokens));
  std::printf("\n\n── system\n%s\n", r.system.c_str());
  for (const auto& m : r.messages) std::printf("\n── %s\n%s\n", m.role.c_str(), m.content.c_str());
  if (call.reply)
    std::printf("\n── reply (raw)\n%s\n\n", pretty_reply(call.reply->text).c_str());
  else
    std::printf("\n── failed\n%s\n\n", call.error.c_str());
}

nlohmann::json usage_json(const jobs::Usage& usage) {
  return {{"llm_calls", usage.llm_calls},
          {"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens}};
}

}  // namespace

int run_agent_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"json", "show-prompt"});
  if (args.positionals().size() != 1) throw UsageError(kUsage);
  const std::string agent = args.positionals()[0];
  const auto input_path = args.value("input");
  if (!input_path) throw UsageError("agentry run-agent needs --input FILE (or - for stdin)");
  const auto outputs_path = args.value("outputs");
  const auto provider_flag = args.value("provider");
  const bool json_output = args.flag("json");
  const bool show_prompt = args.flag("show-prompt");
  const auto scripts = scripts_directory(args);
  auto config = llm_config(args);
  args.reject_unread();
  try {
    if (provider_flag) config.apply_flag("--llm-provider", *provider_flag);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (outputs_path && *outputs_path == "-" && *input_path == "-")
    throw UsageError("--input and --outputs cannot both read stdin");

  std::vector<lua::ScriptProblem> errors;
  auto snapshot = lua::load_scripts(scripts, errors);
  if (!snapshot) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const auto* def = snapshot->find_agent(agent);
  if (!def) {
    std::string known;
    for (const auto& [name, _] : snapshot->agents) known += (known.empty() ? "" : ", ") + name;
    throw UsageError("unknown agent '" + agent + "' (known: " + known + ")");
  }

  lua::AgentRunRequest request;
  request.agent = agent;
  request.input = read_json(*input_path, "input");
  if (outputs_path) {
    nlohmann::json given = read_json(*outputs_path, "outputs");
    if (given.contains("result") && given["result"].is_object()) given = given["result"];
    collect_outputs(*snapshot, given, request.outputs);
  }
  request.retry = config.retry;
  request.limits = {config.max_concurrent, config.effective_requests_per_minute(), config.tokens_per_minute};

  if (!json_output) {
    std::fprintf(stderr, "%s\n", config.describe().c_str());
    std::fprintf(stderr, "Running agent %s%s (scripts %s%s)\n", agent.c_str(),
                 def->title.empty() ? "" : (" — " + def->title).c_str(), snapshot->version.c_str(),
                 request.outputs.empty()
                     ? ""
                     : (", ctx.outputs: " + std::to_string(request.outputs.size()) + " agents").c_str());
  }
  const lua::AgentRun run = lua::run_agent_alone(*snapshot, llm::make_llm_provider(config), request);
  const auto& outcome = run.outcome;
  const bool completed = outcome.status == jobs::JobStatus::completed;

  if (json_output) {
    nlohmann::json calls = nlohmann::json::array();
    for (const auto& call : run.calls) calls.push_back(lua::call_to_json(call));
    nlohmann::json doc = {
        {"agent", agent},
        {"output", completed ? outcome.result : nlohmann::json()},
        {"calls", std::move(calls)},
        {"usage", usage_json(outcome.totals.usage)},
        {"duration_ms", run.duration.count()},
        {"status", std::string(jobs::to_string(outcome.status))},
        {"error", outcome.error ? nlohmann::json{{"reason", outcome.error->reason}, {"message", outcome.error->message}}
                                : nlohmann::json()}};
    std::cout << doc.dump(2) << "\n";
    return completed ? 0 : 1;
  }

  if (show_prompt) {
    std::printf("\n");
    for (size_t i = 0; i < run.calls.size(); ++i) print_call(i + 1, run.calls.size(), run.calls[i]);
  }
  for (const auto& event : run.events)
    // The script's own log lines (print, job.log) and retries; the agent's
    // start and end are in the summary.
    if (!event.event.starts_with("agent_"))
      std::fprintf(stderr, "%s: %s\n", event.event.c_str(), event.details.c_str());
  if (completed) {
    if (show_prompt) std::printf("── output\n");
    std::printf("%s\n", outcome.result.dump(2).c_str());
  }
  const auto& usage = outcome.totals.usage;
  std::fprintf(stderr, "%s in %.1f s: %lld LLM call%s, %lld tokens (%lld prompt + %lld completion)\n",
               std::string(jobs::to_string(outcome.status)).c_str(), static_cast<double>(run.duration.count()) / 1000.0,
               static_cast<long long>(usage.llm_calls), usage.llm_calls == 1 ? "" : "s",
               static_cast<long long>(usage.prompt_tokens + usage.completion_tokens),
               static_cast<long long>(usage.prompt_tokens), static_cast<long long>(usage.completion_tokens));
  if (outcome.error) std::fprintf(stderr, "%s: %s\n", outcome.error->reason.c_str(), outcome.error->message.c_str());
  return completed ? 0 : 1;
}

}  // namespace agentry::cli
