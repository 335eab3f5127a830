// Primitives about the job itself: loading script chunks, step checkpoints,
// progress, the log, cancellation and sleep.
#include <cmath>

#include "runtime/jobs/job.h"
#include "runtime/lua/lua_call.h"
#include "runtime/lua/lua_json.h"

namespace agentry::lua {

namespace {

using jobs::Event;
using jobs::now_ms;

std::string check_string(lua_State* L, int index) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, index, &len);
  return std::string(s, len);
}

const CompiledChunk* find_chunk(const ScriptSnapshot& snap, const std::string& kind, const std::string& name) {
  if (kind == "agent") {
    auto* a = snap.find_agent(name);
    return a ? a->chunk.get() : nullptr;
  }
  if (kind == "pipeline") {
    auto* p = snap.find_pipeline(name);
    return p ? p->chunk.get() : nullptr;
  }
  auto it = snap.modules.find(name);
  return it == snap.modules.end() ? nullptr : it->second.get();
}

int load_chunk(lua_State* L, JobHost& host) {
  const std::string kind = check_string(L, 1);
  const std::string name = check_string(L, 2);
  const CompiledChunk* chunk = find_chunk(host.snapshot(), kind, name);
  if (!chunk) {
    std::string known;
    if (kind == "agent")
      for (const auto& [n, _] : host.snapshot().agents) known += (known.empty() ? "" : ", ") + n;
    if (kind == "pipeline")
      for (const auto& [n, _] : host.snapshot().pipelines) known += (known.empty() ? "" : ", ") + n;
    if (kind == "module")
      for (const auto& [n, _] : host.snapshot().modules) known += (known.empty() ? "" : ", ") + n;
    return luaL_error(L, "unknown %s '%s' (known: %s)", kind.c_str(), name.c_str(),
                      known.empty() ? "none" : known.c_str());
  }
  // Our own precompiled bytecode of a validated text file.
  const std::string chunkname = "@" + chunk->file;
  if (luaL_loadbuffer(L, chunk->bytecode.data(), chunk->bytecode.size(), chunkname.c_str()) != 0) return lua_error(L);
  return 1;
}

int chunk_file(lua_State* L, JobHost& host) {
  const CompiledChunk* chunk = find_chunk(host.snapshot(), check_string(L, 1), check_string(L, 2));
  lua_pushstring(L, chunk ? chunk->file.c_str() : "?");
  return 1;
}

int is_pipeline(lua_State* L, JobHost& host) {
  lua_pushboolean(L, host.snapshot().find_pipeline(check_string(L, 1)) != nullptr);
  return 1;
}

int stopped(lua_State* L, JobHost& host) {
  lua_pushboolean(L, host.sandbox().stop_reason() != StopReason::none || host.control().stop_requested());
  return 1;
}

int stop_message(lua_State* L, JobHost& host) {
  if (host.sandbox().stop_reason() == StopReason::none && host.control().stop_requested())
    host.sandbox().request_stop(host.control().reason());
  lua_pushstring(L, host.sandbox().stop_message().c_str());
  return 1;
}

int set_error_metatable(lua_State* L, JobHost& host) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, 1);
  host.error_metatable_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

int find_step(lua_State* L, JobHost& host) {
  const std::string key = check_string(L, 1);
  const std::string agent = check_string(L, 2);
  host.write_held_step();  // the next step starts: the last one is stored first
  auto step = host.journal().find_step(key);
  if (!step || step->status != "completed" || step->agent != agent) {
    lua_pushnil(L);
    return 1;
  }
  push_json(L, step->output);
  return 1;
}

std::string agent_label(const JobHost& host, const std::string& agent) {
  const AgentDef* def = host.snapshot().find_agent(agent);
  return def && !def->title.empty() ? agent + " — " + def->title : agent;
}

int step_started(lua_State* L, JobHost& host) {
  host.check_stopped(L);
  const std::string key = check_string(L, 1);
  const std::string agent = check_string(L, 2);
  host.open_step(key, agent);
  jobs::Progress p = host.progress();
  p.current_agent = agent;
  if (const AgentDef* def = host.snapshot().find_agent(agent); def && !def->phase.empty()) p.phase = def->phase;
  p.message = "Agent " + agent + " started";
  host.defer_progress(p, {Event{0, now_ms(), "agent_started", agent_label(host, agent)}});
  host.sandbox().reset_cpu_slice();
  return 0;
}

jobs::Progress progress_after(const JobHost& host, const std::string& agent, int completed, int total) {
  jobs::Progress p = host.progress();
  p.current_agent = agent;
  p.completed_steps = completed;
  if (total > 0) {
    p.total_steps = total;
    p.percentage = std::min(100.0, 100.0 * completed / total);
  }
  return p;
}

// Whether the output table at `index`, written as `text`, has `field`: a
// table that encodes as an array has no fields.
bool has_field(lua_State* L, int index, const std::string& text, const std::string& field) {
  if (text.empty() || text.front() != '{') return false;
  lua_pushlstring(L, field.data(), field.size());
  lua_rawget(L, index);
  const bool present = !lua_isnil(L, -1);
  lua_pop(L, 1);
  return present;
}

int step_completed(lua_State* L, JobHost& host) {
  const std::string key = check_string(L, 1);
  const std::string agent = check_string(L, 2);
  const int completed = static_cast<int>(luaL_checkinteger(L, 4));
  const int total = static_cast<int>(luaL_checkinteger(L, 5));
  if (!lua_istable(L, 3))
    return luaL_error(L, "agent %s must return a table (its output), got %s", agent.c_str(), luaL_typename(L, 3));
  // The text the store writes (json_text: a string a script built that is not
  // UTF-8 gets U+FFFD instead of failing); no tree is built on the way.
  std::string output_text = to_json_text(L, 3, json::InvalidUtf8::replace);
  if (const AgentDef* def = host.snapshot().find_agent(agent))
    for (const auto& field : def->required_outputs)
      if (!has_field(L, 3, output_text, field))
        return luaL_error(L, "agent %s returned no '%s' (declared in output.required)", agent.c_str(), field.c_str());
  if (output_text.size() > host.options().max_output_bytes)
    return luaL_error(L, "agent %s returned more than %d bytes", agent.c_str(),
                      static_cast<int>(host.options().max_output_bytes));

  jobs::StepRecord* open = host.find_open_step(key);
  jobs::StepRecord step = open ? *open : jobs::StepRecord{.key = key, .agent = agent, .started_at = now_ms()};
  step.status = "completed";
  step.output_text = std::move(output_text);
  step.finished_at = now_ms();
  host.close_step(key);

  jobs::Progress p = progress_after(host, agent, completed, total);
  p.message = "Agent " + agent + " completed";
  const auto seconds = static_cast<double>((step.finished_at - step.started_at).count()) / 1000.0;
  char details[256];
  std::snprintf(details, sizeof details, "%s completed in %.1f s (%lld tokens%s)", agent.c_str(), seconds,
                static_cast<long long>(step.usage.prompt_tokens + step.usage.completion_tokens),
                step.retries ? (", " + std::to_string(step.retries) + " retries").c_str() : "");
  host.checkpoint(step, p, {Event{0, now_ms(), "agent_completed", details}});
  host.sandbox().reset_cpu_slice();
  return 0;
}

int step_failed(lua_State* L, JobHost& host) {
  const std::string key = check_string(L, 1);
  const std::string agent = check_string(L, 2);
  const char* msg = lua_tostring(L, 3);
  std::string message = msg ? msg : "";
  if (message.empty() && lua_istable(L, 3)) {
    lua_getfield(L, 3, "message");
    if (const char* m = lua_tostring(L, -1)) message = m;
    lua_pop(L, 1);
  }
  jobs::StepRecord* open = host.find_open_step(key);
  jobs::StepRecord step = open ? *open : jobs::StepRecord{.key = key, .agent = agent, .started_at = now_ms()};
  message = truncated(std::move(message), kMaxMessageBytes);
  step.status = "failed";
  step.error = message;
  step.raw_reply = host.raw_reply_for(key);
  step.finished_at = now_ms();
  host.close_step(key);
  host.checkpoint(step, host.progress(), {Event{0, now_ms(), "agent_failed", agent + ": " + message}});
  return 0;
}

int step_replayed(lua_State* L, JobHost& host) {
  const std::string agent = check_string(L, 2);
  jobs::Progress p =
      progress_after(host, agent, static_cast<int>(luaL_checkinteger(L, 3)), static_cast<int>(luaL_checkinteger(L, 4)));
  p.message = "Agent " + agent + " restored from checkpoint";
  host.set_progress(p, {});
  return 0;
}

int progress(lua_State* L, JobHost& host) {
  host.check_stopped(L);
  jobs::Progress p = host.progress();
  const double pct = luaL_checknumber(L, 1);
  p.percentage = std::isfinite(pct) ? std::clamp(pct, 0.0, 100.0) : p.percentage;
  if (lua_gettop(L) >= 2 && !lua_isnil(L, 2)) p.message = truncated(luaL_checkstring(L, 2), kMaxMessageBytes);
  host.set_progress(p, {});
  return 0;
}

// What job.log shows for a value: strings and numbers as they are, tables as JSON.
std::string display_value(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TNONE:
    case LUA_TNIL: return "";
    case LUA_TSTRING:
    case LUA_TNUMBER: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      return std::string(s, len);
    }
    case LUA_TBOOLEAN: return lua_toboolean(L, index) ? "true" : "false";
    case LUA_TTABLE: return to_json_text(L, index, json::InvalidUtf8::fail);
    default: return luaL_typename(L, index);
  }
}

int log(lua_State* L, JobHost& host) {
  host.check_stopped(L);
  std::string event = check_string(L, 1);
  std::string details = display_value(L, 2);
  host.log(std::move(event), std::move(details));
  return 0;
}

int cancelled(lua_State* L, JobHost& host) {
  lua_pushboolean(L, host.control().reason() == StopReason::cancelled);
  return 1;
}

int enter_agent_limits(lua_State* L, JobHost& host) {
  lua_pushinteger(L, host.enter_agent_limits(check_string(L, 1)));
  return 1;
}

int apply_agent_limits(lua_State* L, JobHost& host) {
  host.apply_agent_limits(static_cast<int>(luaL_optinteger(L, 1, 0)));
  return 0;
}

int sleep(lua_State* L, JobHost& host) {
  const double seconds = luaL_checknumber(L, 1);
  if (!(seconds >= 0.0) || seconds > 3600.0) return luaL_error(L, "sleep: seconds must be within 0..3600");
  host.flush_deferred();
  host.control().wait_for(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0)));
  host.check_stopped(L);
  host.sandbox().reset_cpu_slice();
  return 0;
}

}  // namespace

void register_job_primitives(lua_State* L, JobHost* host) {
  set_primitive<load_chunk>(L, host, "load_chunk");
  set_primitive<chunk_file>(L, host, "chunk_file");
  set_primitive<is_pipeline>(L, host, "is_pipeline");
  set_primitive<stopped>(L, host, "stopped");
  set_primitive<stop_message>(L, host, "stop_message");
  set_primitive<set_error_metatable>(L, host, "set_error_metatable");
  set_primitive<find_step>(L, host, "find_step");
  set_primitive<step_started>(L, host, "step_started");
  set_primitive<step_completed>(L, host, "step_completed");
  set_primitive<step_failed>(L, host, "step_failed");
  set_primitive<step_replayed>(L, host, "step_replayed");
  set_primitive<progress>(L, host, "progress");
  set_primitive<log>(L, host, "log");
  set_primitive<cancelled>(L, host, "cancelled");
  set_primitive<sleep>(L, host, "sleep");
  set_primitive<enter_agent_limits>(L, host, "enter_agent_limits");
  set_primitive<apply_agent_limits>(L, host, "apply_agent_limits");
}

}  // namespace agentry::lua
