#include "runtime/lua/agent_tests.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include <lua.hpp>

#include "runtime/jobs/memory_journal.h"
#include "runtime/llm/llm_client.h"
#include "runtime/llm/llm_metrics.h"

namespace agentry::lua {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// The driver of seeded runs and agent tests: an ordinary function pipeline
// added to a copy of the snapshot, so the agent runs exactly as in a job and
// a test file (loaded as a module) runs in the sandbox every script gets.
//   run:      replay the seeded steps from the journal (ctx.outputs), then
//             run the agent under test live
//   describe: the data of a test file's cases (functions left out)
//   expect:   call one case's expect(output, calls, error)
// Its errors carry no position: a line of this driver helps nobody.
constexpr char kDriverName[] = "__agent_test";
constexpr char kDriverFile[] = "runtime/lua/agent_test_driver.lua";
constexpr char kDriverSource[] = R"lua(
return pipeline {
  name = "__agent_test",
  run = function(input)
    if input.mode == "run" then
      for _, name in ipairs(input.seeds) do run_agent(name, input.input) end
      return { output = run_agent(input.agent, input.input) }
    end
    local suite = require(input.module)
    if input.mode == "describe" then
      if type(suite) ~= "table" then
        error("the file must return { agent = \"NAME\", cases = { ... } }", 0)
      end
      if type(suite.agent) ~= "string" then error("agent = \"NAME\" is missing", 0) end
      if type(suite.cases) ~= "table" or #suite.cases == 0 then
        error("cases = { { name = ..., replies = ..., expect = ... }, ... } is missing or empty", 0)
      end
      local cases = {}
      for i, case in ipairs(suite.cases) do
        if type(case) ~= "table" then error(("case %d is not a table"):format(i), 0) end
        if case.name ~= nil and type(case.name) ~= "string" then
          error(("case %d: name must be a string"):format(i), 0)
        end
        if case.expect ~= nil and type(case.expect) ~= "function" then
          error(("case %d (%s): expect must be a function(output, calls)"):format(i, tostring(case.name)), 0)
        end
        local data = {
          name = case.name, input = case.input, input_file = case.input_file, outputs = case.outputs,
          replies = case.replies, expect_error = case.expect_error,
        }
        local ok, err = pcall(json.encode, data)
        if not ok then error(("case %d (%s): %s"):format(i, tostring(case.name), tostring(err)), 0) end
        cases[i] = data
      end
      return { agent = suite.agent, cases = cases }
    end
    local case = suite.cases[input.case]
    if case.expect then
      -- a primitive's error is a {code, message} table: hand on its message
      local ok, err = pcall(case.expect, input.output, input.calls, input.error)
      if not ok then error(tostring(err), 0) end
    end
    return {}
  end,
}
)lua";

int append_bytes(lua_State*, const void* data, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return 0;
}

// Compiles a text chunk the way the script loader does (text mode, debug
// info kept so errors carry file:line). Returns the Lua message on failure.
std::shared_ptr<CompiledChunk> compile_chunk(const std::string& file, const std::string& source, std::string& error) {
  std::unique_ptr<lua_State, void (*)(lua_State*)> L(luaL_newstate(), lua_close);
  if (!L) throw std::runtime_error("cannot create a Lua state");
  const std::string chunkname = "@" + file;
  if (luaL_loadbufferx(L.get(), source.data(), source.size(), chunkname.c_str(), "t") != 0) {
    error = lua_tostring(L.get(), -1);
    return nullptr;
  }
  auto chunk = std::make_shared<CompiledChunk>();
  chunk->file = file;
  chunk->source = source;
  lua_dump(L.get(), append_bytes, &chunk->bytecode);
  return chunk;
}

// A copy of `snapshot` with the driver pipeline (and optionally a test file
// as the module `module`) added; the original stays untouched for other jobs.
std::shared_ptr<ScriptSnapshot> with_driver(const ScriptSnapshot& snapshot,
                                            std::shared_ptr<const CompiledChunk> module = nullptr,
                                            const std::string& module_name = {}) {
  static const std::shared_ptr<const CompiledChunk> driver = [] {
    std::string error;
    auto chunk = compile_chunk(kDriverFile, kDriverSource, error);
    if (!chunk) throw std::logic_error("agent test driver: " + error);
    return chunk;
  }();
  auto copy = std::make_shared<ScriptSnapshot>(snapshot);
  PipelineDef def;
  def.name = kDriverName;
  def.title = "Agent test driver";
  def.function_form = true;
  def.chunk = driver;
  copy->pipelines[kDriverName] = std::move(def);
  if (module) copy->modules[module_name] = std::move(module);
  return copy;
}

// Agents of a step pipeline in run order, nested pipelines flattened.
void flatten_steps(const ScriptSnapshot& snapshot, const PipelineDef& pipeline, std::vector<std::string>& out,
                   int depth = 0) {
  if (depth > 16) return;  // the loader refuses cycles; this only bounds the walk
  for (const auto& step : pipeline.steps) {
    if (const auto* nested = snapshot.find_pipeline(step))
      flatten_steps(snapshot, *nested, out, depth + 1);
    else
      out.push_back(step);
  }
}

// The seeded agents in the order a pipeline runs them: the step pipeline
// that runs `agent` and most of them decides; others follow by name.
std::vector<std::string> seed_order(const ScriptSnapshot& snapshot, const std::string& agent,
                                    const nlohmann::json& outputs) {
  std::vector<std::string> seeds;
  for (const auto& [name, _] : outputs.items()) seeds.push_back(name);
  std::vector<std::string> best;
  size_t best_hits = 0;
  for (const auto& [_, pipeline] : snapshot.pipelines) {
    std::vector<std::string> order;
    flatten_steps(snapshot, pipeline, order);
    if (std::find(order.begin(), order.end(), agent) == order.end()) continue;
    const auto hits = static_cast<size_t>(std::count_if(seeds.begin(), seeds.end(), [&](const std::string& s) {
      return std::find(order.begin(), order.end(), s) != order.end();
    }));
    if (best.empty() || hits > best_hits) best = std::move(order), best_hits = hits;
  }
  auto rank = [&](const std::string& s) {
    return static_cast<size_t>(std::find(best.begin(), best.end(), s) - best.begin());
  };
  std::stable_sort(seeds.begin(), seeds.end(), [&](const std::string& a, const std::string& b) {
    return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
  });
  return seeds;
}

// The recorded replies of a test case, served in call order.
class ReplayProvider final : public llm::LlmProvider {
 public:
  explicit ReplayProvider(std::vector<nlohmann::json> replies) : replies_(std::move(replies)) {}
  std::string name() const override { return "replay"; }

  llm::ChatReply chat(const llm::ChatRequest& request, const llm::CallControl&) override {
    nlohmann::json recorded;
    size_t number = 0;
    {
      std::lock_guard lock(mutex_);
      number = ++calls_;
      if (number > replies_.size())
        throw llm::LlmError(llm::LlmError::Kind::permanent,
                            "the agent made LLM call " + std::to_string(number) + " but the case recorded " +
                                (replies_.empty() ? std::string("no replies")
                                                  : "only " + std::to_string(replies_.size()) +
                                                        (replies_.size() == 1 ? " reply" : " replies")) +
                                ": add one to `replies`");
      recorded = replies_[number - 1];
    }
    if (recorded.contains("error"))
      throw llm::LlmError(llm::LlmError::Kind::permanent, recorded["error"].is_string()
                                                              ? recorded["error"].get<std::string>()
                                                              : recorded["error"].dump());
    llm::ChatReply reply;
    if (recorded.contains("json"))
      reply.text = recorded["json"].dump();
    else if (recorded.contains("text") && recorded["text"].is_string())
      reply.text = recorded["text"].get<std::string>();
    else
      throw llm::LlmError(llm::LlmError::Kind::permanent,
                          "reply " + std::to_string(number) + " of the case has neither `json`, `text` nor `error`");
    // Token counts like the mock's (~4 characters a token): tests of usage
    // reporting see plausible numbers.
    int64_t prompt_chars = static_cast<int64_t>(request.system.size());
    for (const auto& m : request.messages) prompt_chars += static_cast<int64_t>(m.content.size());
    reply.usage = {1, prompt_chars / 4 + 1, static_cast<int64_t>(reply.text.size()) / 4 + 1};
    reply.model = request.model.empty() ? "replay" : request.model;
    reply.attempts = 1;
    return reply;
  }

 private:
  std::mutex mutex_;
  std::vector<nlohmann::json> replies_;
  size_t calls_ = 0;
};

// Scripts have no business calling a model from a test's expect function.
class RefusingProvider final : public llm::LlmProvider {
 public:
  std::string name() const override { return "none"; }
  llm::ChatReply chat(const llm::ChatRequest&, const llm::CallControl&) override {
    throw llm::LlmError(llm::LlmError::Kind::permanent, "a test's expect function cannot call llm.chat");
  }
};

// Runs the driver in `mode` on `snapshot` (which holds the test module).
JobOutcome run_driver(const ScriptSnapshot& snapshot, nlohmann::json input, const AgentTestOptions& options) {
  llm::LlmMetrics metrics;
  llm::LlmClient client(std::make_shared<RefusingProvider>(), llm::RetryPolicy{.max_retries = 0}, {}, metrics);
  jobs::MemoryJournal journal;
  JobControl control(steady_clock::now() + options.case_timeout);
  return run_job(snapshot, client, journal, control, {"agent-test", kDriverName, std::move(input), 1}, options.run);
}

// A call as a test's expect function sees it: calls[i].system,
// .messages, .user (the last user message), .reply (raw text), .error.
nlohmann::json call_for_expect(const RecordingProvider::Call& call) {
  nlohmann::json out = call_to_json(call);
  out["user"] = "";
  for (auto it = call.request.messages.rbegin(); it != call.request.messages.rend(); ++it)
    if (it->role == "user") {
      out["user"] = it->content;
      break;
    }
  out["json"] = call.request.json;
  out["model"] = call.request.model;
  return out;
}

std::string describe(const std::optional<jobs::JobError>& error) {
  return error ? error->reason + ": " + error->message : "unknown error";
}

std::optional<nlohmann::json> read_json_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  auto parsed = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

bool selected_by_name(const AgentTestOptions& options, const std::string& stem, const std::string& agent) {
  if (options.only.empty()) return true;
  const std::string short_stem = stem.size() > 5 && stem.ends_with("_test") ? stem.substr(0, stem.size() - 5) : stem;
  return std::any_of(options.only.begin(), options.only.end(), [&](const std::string& n) {
    return n == stem || n == short_stem || (!agent.empty() && n == agent);
  });
}

class TestFileRunner {
 public:
  TestFileRunner(const ScriptSnapshot& snapshot, const AgentTestOptions& options, fs::path inputs_root,
                 std::vector<AgentTestResult>& results)
      : snapshot_(snapshot), options_(options), inputs_root_(std::move(inputs_root)), results_(results) {}

  void run(const fs::path& path) {
    const std::string stem = path.stem().string();
    file_ = "tests/" + path.filename().string();
    module_ = "tests/" + stem;
    const auto started = steady_clock::now();
    std::ifstream in(path, std::ios::binary);
    std::string source(std::istreambuf_iterator<char>(in), {});
    std::string error;
    auto chunk = compile_chunk(file_, source, error);
    if (!chunk) {
      if (selected_by_name(options_, stem, "")) report({file_, "", "", false, error, elapsed(started)});
      return;
    }
    snapshot_with_test_ = with_driver(snapshot_, chunk, module_);
    const JobOutcome described =
        run_driver(*snapshot_with_test_, {{"mode", "describe"}, {"module", module_}}, options_);
    if (described.status != jobs::JobStatus::completed) {
      if (selected_by_name(options_, stem, ""))
        report({file_, "", "", false, prefixed(described.error ? described.error->message : "unknown error"),
                elapsed(started)});
      return;
    }
    agent_ = described.result.value("agent", "");
    if (!selected_by_name(options_, stem, agent_)) return;
    if (!snapshot_.find_agent(agent_)) {
      report({file_, agent_, "", false, file_ + ": agent '" + agent_ + "' does not exist", elapsed(started)});
      return;
    }
    const auto& cases = described.result["cases"];
    for (size_t i = 0; i < cases.size(); ++i) run_case(static_cast<int>(i) + 1, cases[i]);
  }

 private:
  static milliseconds elapsed(steady_clock::time_point since) {
    return std::chrono::duration_cast<milliseconds>(steady_clock::now() - since);
  }

  // A message that says which file it is about, unless Lua already did.
  std::string prefixed(const std::string& message) const {
    return message.starts_with(file_) ? message : file_ + ": " + message;
  }

  void report(AgentTestResult result) {
    if (options_.on_result) options_.on_result(result);
    results_.push_back(std::move(result));
  }

  // The case's input: input_file (read from the inputs root), then `input`
  // merged over it (RFC 7386: objects merge key by key, other values replace).
  std::optional<nlohmann::json> case_input(const nlohmann::json& c, std::string& error) const {
    nlohmann::json input = nlohmann::json::object();
    if (c.contains("input_file")) {
      if (!c["input_file"].is_string()) {
        error = "input_file must be a path like \"examples/client.json\"";
        return std::nullopt;
      }
      const fs::path path = inputs_root_ / c["input_file"].get<std::string>();
      auto parsed = read_json_file(path);
      if (!parsed) {
        error = "input_file '" + c["input_file"].get<std::string>() + "' cannot be read as JSON (looked in " +
                inputs_root_.string() + ")";
        return std::nullopt;
      }
      input = std::move(*parsed);
    }
    if (c.contains("input")) {
      if (input.is_object() && c["input"].is_object())
        input.merge_patch(c["input"]);
      else
        input = c["input"];
    }
    return input;
  }

  void run_case(int index, const nlohmann::json& c) {
    const auto started = steady_clock::now();
    AgentTestResult result{file_, agent_, c.value("name", "case " + std::to_string(index)), false, "", {}};
    auto fail = [&](std::string message) {
      result.message = std::move(message);
      result.duration = elapsed(started);
      report(std::move(result));
    };

    std::string error;
    auto input = case_input(c, error);
    if (!input) return fail(error);
    std::vector<nlohmann::json> replies;
    if (c.contains("replies") && c["replies"].is_array())
      replies.assign(c["replies"].begin(), c["replies"].end());
    else if (c.contains("replies") && !(c["replies"].is_object() && c["replies"].empty()))
      return fail("replies must be a list like { { json = {...} }, { text = \"...\" } }");
    for (size_t i = 0; i < replies.size(); ++i)
      if (!replies[i].is_object() ||
          !(replies[i].contains("json") || replies[i].contains("text") || replies[i].contains("error")))
        return fail("reply " + std::to_string(i + 1) +
                    " must be { json = {...} }, { text = \"...\" } or { error = \"...\" }");

    AgentRunRequest request;
    request.agent = agent_;
    request.input = std::move(*input);
    if (c.contains("outputs")) request.outputs = c["outputs"];
    if (!request.outputs.is_object()) return fail("outputs must be a table of agent name = output");
    request.timeout = options_.case_timeout;
    request.run = options_.run;
    request.retry.max_retries = 0;  // a recorded error is the answer, not a reason to wait and retry
    AgentRun run = run_agent_alone(snapshot_, std::make_shared<ReplayProvider>(replies), request);

    const bool completed = run.outcome.status == jobs::JobStatus::completed;
    const std::string agent_error = run.outcome.error ? run.outcome.error->message : "";
    if (c.contains("expect_error")) {
      const std::string wanted = c["expect_error"].is_string() ? c["expect_error"].get<std::string>() : "";
      if (completed) return fail("expected " + agent_ + " to fail with \"" + wanted + "\", but it completed");
      if (agent_error.find(wanted) == std::string::npos)
        return fail("expected an error containing \"" + wanted + "\", got: " + describe(run.outcome.error));
    } else if (!completed) {
      return fail(agent_ + " failed: " + describe(run.outcome.error));
    }
    if (run.calls.size() < replies.size())
      return fail("the case recorded " + std::to_string(replies.size()) + " replies but the agent made " +
                  std::to_string(run.calls.size()) + " LLM call(s)");

    nlohmann::json calls = nlohmann::json::array();
    for (const auto& call : run.calls) calls.push_back(call_for_expect(call));
    nlohmann::json expect_input = {{"mode", "expect"}, {"module", module_}, {"case", index}, {"calls", calls}};
    if (completed) expect_input["output"] = run.outcome.result;
    if (!completed) expect_input["error"] = agent_error;
    const JobOutcome checked = run_driver(*snapshot_with_test_, std::move(expect_input), options_);
    if (checked.status != jobs::JobStatus::completed)
      return fail(checked.error ? checked.error->message : describe(checked.error));

    result.passed = true;
    result.duration = elapsed(started);
    report(std::move(result));
  }

  const ScriptSnapshot& snapshot_;
  const AgentTestOptions& options_;
  fs::path inputs_root_;
  std::vector<AgentTestResult>& results_;
  std::shared_ptr<ScriptSnapshot> snapshot_with_test_;
  std::string file_;
  std::string module_;
  std::string agent_;
};

}  // namespace

RecordingProvider::RecordingProvider(std::shared_ptr<llm::LlmProvider> inner) : inner_(std::move(inner)) {}

llm::ChatReply RecordingProvider::chat(const llm::ChatRequest& request, const llm::CallControl& control) {
  Call call{request, std::nullopt, "", milliseconds(0)};
  const auto started = steady_clock::now();
  auto record = [&] {
    call.latency = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
    std::lock_guard lock(mutex_);
    calls_.push_back(std::move(call));
  };
  try {
    llm::ChatReply reply = inner_->chat(request, control);
    call.reply = reply;
    record();
    return reply;
  } catch (const std::exception& e) {
    call.error = e.what();
    record();
    throw;
  }
}

std::vector<RecordingProvider::Call> RecordingProvider::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

nlohmann::json call_to_json(const RecordingProvider::Call& call) {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : call.request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  nlohmann::json out = {{"agent", call.request.agent},
                        {"system", call.request.system},
                        {"messages", std::move(messages)},
                        {"reply", call.reply ? nlohmann::json(call.reply->text) : nlohmann::json()},
                        {"latency_ms", call.latency.count()}};
  if (call.reply)
    out["usage"] = {{"prompt_tokens", call.reply->usage.prompt_tokens},
                    {"completion_tokens", call.reply->usage.completion_tokens}};
  else
    out["usage"] = {{"prompt_tokens", 0}, {"completion_tokens", 0}};
  if (!call.error.empty()) out["error"] = call.error;
  return out;
}

AgentRun run_agent_alone(const ScriptSnapshot& snapshot, std::shared_ptr<llm::LlmProvider> provider,
                         const AgentRunRequest& request) {
  auto recorder = std::make_shared<RecordingProvider>(std::move(provider));
  // A one-off run stays out of the process's LLM metrics (a test run inside
  // a serving process must not look like traffic).
  llm::LlmMetrics metrics;
  llm::LlmClient client(recorder, request.retry, request.limits, metrics);
  jobs::MemoryJournal journal;
  JobControl control(steady_clock::now() + request.timeout);
  const std::string job_id = "run-agent-" + jobs::new_job_id();
  const auto started = steady_clock::now();

  AgentRun run;
  if (!request.outputs.is_object() || request.outputs.empty()) {
    run.outcome =
        run_job(snapshot, client, journal, control, {job_id, "", request.input, 1, request.agent}, request.run);
  } else {
    // Seeded steps are checkpoints at the keys run_agent will ask for, so
    // the engine replays them exactly as it does for a resumed job.
    const auto seeds = seed_order(snapshot, request.agent, request.outputs);
    for (size_t i = 0; i < seeds.size(); ++i) {
      char key[24];
      std::snprintf(key, sizeof key, "%04zu", i + 1);
      jobs::StepRecord step{.key = key, .agent = seeds[i], .output = request.outputs[seeds[i]]};
      journal.checkpoint(step, {}, {}, {});
    }
    const auto with = with_driver(snapshot);
    const nlohmann::json input = {
        {"mode", "run"}, {"agent", request.agent}, {"input", request.input}, {"seeds", seeds}};
    run.outcome = run_job(*with, client, journal, control, {job_id, kDriverName, input, 1}, request.run);
    if (run.outcome.status == jobs::JobStatus::completed) run.outcome.result = run.outcome.result["output"];
  }
  run.duration = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
  // run_job can lose the message of an error raised as a {code, message}
  // table (llm_error) and say "unknown error"; the failed step kept it.
  if (run.outcome.error && run.outcome.error->message == "unknown error")
    for (const auto& [_, step] : journal.steps())
      if (step.status == "failed" && !step.error.empty()) run.outcome.error->message = step.error;
  run.calls = recorder->calls();
  run.events = journal.events();
  return run;
}

std::vector<AgentTestResult> run_agent_tests(const ScriptSnapshot& snapshot, const fs::path& tests_dir,
                                             const AgentTestOptions& options) {
  std::vector<AgentTestResult> results;
  if (!fs::is_directory(tests_dir)) return results;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(tests_dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.ends_with("_test.lua")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  fs::path root = options.inputs_root;
  if (root.empty()) {
    fs::path dir = fs::absolute(tests_dir).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();  // "scripts/tests/" names the same folder
    root = dir.parent_path().parent_path();
  }
  TestFileRunner runner(snapshot, options, root, results);
  for (const auto& file : files) runner.run(file);
  return results;
}

}  // namespace agentry::lua
