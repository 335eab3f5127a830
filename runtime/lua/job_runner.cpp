#include "runtime/lua/job_runner.h"

#include <spdlog/spdlog.h>
#include <lua.hpp>

#include "runtime/lua/job_host.h"
#include "runtime/lua/lua_json.h"

namespace agentry::lua {

namespace {

// Reads an error value left by a failed pcall: a primitive's {code, message}
// table or a plain message (which already carries file:line).
jobs::JobError describe_error(lua_State* L, int index) {
  if (index < 0) index = lua_gettop(L) + index + 1;  // stays valid as fields are pushed
  jobs::JobError error{"script_error", "unknown error"};
  if (lua_istable(L, index)) {
    lua_getfield(L, index, "code");
    if (const char* code = lua_tostring(L, -1)) error.reason = code;
    lua_getfield(L, index, "message");
    if (const char* msg = lua_tostring(L, -1)) error.message = msg;
    lua_pop(L, 2);
  } else if (const char* msg = lua_tostring(L, index)) {
    error.message = msg;
  } else if (lua_isnil(L, index)) {
    error.message = "error(nil) raised";
  }
  error.reason = truncated(std::move(error.reason), 64);
  error.message = truncated(std::move(error.message), kMaxMessageBytes);
  return error;
}

// Outcome for a job stopped from outside the script, whatever error the
// script saw (it may have caught and rewrapped it).
std::optional<JobOutcome> stopped_outcome(const Sandbox& sandbox, const JobControl& control) {
  StopReason reason = sandbox.stop_reason();
  if (reason == StopReason::none) reason = control.reason();
  JobOutcome out;
  switch (reason) {
    case StopReason::none: return std::nullopt;
    case StopReason::cancelled:
      out.status = jobs::JobStatus::cancelled;
      out.error = jobs::JobError{"cancelled", "the job was cancelled"};
      return out;
    case StopReason::timeout: out.error = jobs::JobError{"timeout", "the job exceeded its timeout"}; return out;
    case StopReason::agent_timeout: out.error = jobs::JobError{"timeout", sandbox.stop_message()}; return out;
    case StopReason::lease_lost:
      out.lease_lost = true;
      out.error = jobs::JobError{"lease_lost", "the worker lost the job's lease"};
      return out;
    case StopReason::memory:
    case StopReason::cpu: out.error = jobs::JobError{"script_error", sandbox.stop_message()}; return out;
  }
  return std::nullopt;
}

// A completed pipeline's result (on top of the stack, the prelude's API table
// below it) as the store takes it: for a step pipeline, with
// result_from_steps, the steps it is made of; else its text.
jobs::JobResult stored_result(lua_State* L, const RunOptions& options) {
  if (lua_isnil(L, -1)) return jobs::JobResult::text("{}");
  if (options.result_from_steps) {
    lua_getfield(L, -2, "result_recipe");
    lua_pushvalue(L, -2);
    const bool made_of_steps = lua_pcall(L, 1, 1, 0) == 0 && lua_istable(L, -1);
    std::string recipe = made_of_steps ? to_json_text(L, -1, json::InvalidUtf8::replace) : "";
    lua_pop(L, 1);
    if (made_of_steps) return jobs::JobResult::made_of_steps(std::move(recipe));
  }
  return jobs::JobResult::text(to_json_text(L, -1, json::InvalidUtf8::replace));
}

// Loads and runs the prelude with the host table: the state is then ready
// for the prelude's API table (left on the stack) to run a pipeline.
bool open_job_state(Sandbox& sandbox, JobHost& host) {
  lua_State* L = sandbox.L();
  register_json_array_metatable(L);
  const std::string& prelude = prelude_bytecode();
  if (luaL_loadbuffer(L, prelude.data(), prelude.size(), "@runtime/lua/prelude.lua") != 0) return false;
  host.push_host_table(L);
  return lua_pcall(L, 1, 1, 0) == 0;
}

}  // namespace

size_t create_idle_state(const ScriptSnapshot& snapshot, const RunOptions& options) {
  static llm::LlmClient no_client(nullptr);
  jobs::NullJournal journal;
  JobControl control;
  const JobRequest request{"idle", "", nlohmann::json::object(), 0};
  Sandbox sandbox(options.limits);
  JobHost host(snapshot, no_client, journal, control, request, options, sandbox);
  if (!open_job_state(sandbox, host)) throw std::runtime_error("cannot open a job state");
  return sandbox.memory_used();
}

JobOutcome run_job(const ScriptSnapshot& snapshot, llm::LlmClient& llm, jobs::JobJournal& journal, JobControl& control,
                   const JobRequest& request, const RunOptions& options) {
  const PipelineDef* pipeline = snapshot.find_pipeline(request.pipeline);
  const bool single_agent = !request.agent.empty();
  if (single_agent ? !snapshot.find_agent(request.agent) : !pipeline) {
    JobOutcome out;
    out.error = jobs::JobError{"script_error", single_agent ? "unknown agent '" + request.agent + "'"
                                                            : "unknown pipeline '" + request.pipeline + "'"};
    return out;
  }

  Sandbox sandbox(options.limits);
  JobHost host(snapshot, llm, journal, control, request, options, sandbox);
  control.attach(&sandbox);
  struct Detach {
    JobControl& c;
    ~Detach() { c.detach(); }
  } detach{control};

  lua_State* L = sandbox.L();
  JobOutcome out;
  bool ok = open_job_state(sandbox, host);
  if (ok) {
    lua_getfield(L, -1, single_agent ? "run_agent" : "run_pipeline");
    lua_pushstring(L, single_agent ? request.agent.c_str() : request.pipeline.c_str());
    try {
      push_json(L, request.input);
    } catch (const std::exception&) {
      lua_pushnil(L);
    }
    lua_pushinteger(L, single_agent ? 1 : pipeline->function_form ? 0 : pipeline->total_steps);
    sandbox.reset_cpu_slice();
    ok = lua_pcall(L, 3, 1, 0) == 0;
  }

  try {
    if (auto stopped = stopped_outcome(sandbox, control)) {
      out = *stopped;
    } else if (!ok) {
      out.error = describe_error(L, -1);
    } else {
      out.stored_result = stored_result(L, options);
      if (options.result_tree) out.result = lua_isnil(L, -1) ? nlohmann::json::object() : to_json(L, -1);
      out.status = jobs::JobStatus::completed;
    }
  } catch (const std::exception& e) {
    out.error = jobs::JobError{"script_error", std::string("the pipeline's result is not JSON: ") + e.what()};
  }
  if (out.status == jobs::JobStatus::completed && options.hold_checkpoints) out.last_step = host.take_held_step();
  try {
    // A held checkpoint of a job that did not complete, or an agent started
    // but never checkpointed (a script error after it).
    host.flush_deferred();
  } catch (const std::exception& e) {
    // The lease is gone or the store is down: the final write reports that.
    spdlog::debug("job {}: deferred progress not written: {}", request.job_id, e.what());
  }
  if (out.status == jobs::JobStatus::completed) {
    out.progress = host.progress();
    out.progress.percentage = 100.0;
    out.progress.message = "Completed";
    out.progress.current_agent.clear();
  } else {
    out.progress = host.progress();
  }
  out.totals = host.totals();
  return out;
}

}  // namespace agentry::lua
