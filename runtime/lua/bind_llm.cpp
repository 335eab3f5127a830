// llm.chat: building a ChatRequest from the script's table and the agent's
// settings, and making the call either on the job's thread or, inside
// parallel.map, on a call thread while the script's other items go on.
#include "runtime/lua/lua_call.h"
#include "runtime/lua/lua_json.h"
#include "runtime/metrics/cpu_by_part.h"

namespace agentry::lua {

namespace {

std::optional<std::string> string_field(lua_State* L, int table, const char* name) {
  lua_getfield(L, table, name);
  std::optional<std::string> out;
  if (lua_type(L, -1) == LUA_TSTRING) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    out.emplace(s, len);
  } else if (!lua_isnil(L, -1)) {
    lua_pop(L, 1);
    throw std::runtime_error(std::string("llm.chat: '") + name + "' must be a string");
  }
  lua_pop(L, 1);
  return out;
}

std::optional<double> number_field(lua_State* L, int table, const char* name) {
  lua_getfield(L, table, name);
  std::optional<double> out;
  if (lua_type(L, -1) == LUA_TNUMBER)
    out = lua_tonumber(L, -1);
  else if (!lua_isnil(L, -1)) {
    lua_pop(L, 1);
    throw std::runtime_error(std::string("llm.chat: '") + name + "' must be a number");
  }
  lua_pop(L, 1);
  return out;
}

// The script's `messages`, read straight from its tables (a JSON tree of
// them first copied every prompt twice more, on every call).
void read_messages(lua_State* L, int list, std::vector<llm::ChatMessage>& out) {
  if (!is_json_array(L, list)) throw std::runtime_error("llm.chat: 'messages' must be a list");
  const auto n = static_cast<int>(lua_objlen(L, list));
  out.reserve(static_cast<size_t>(n) + 1);
  for (int i = 1; i <= n; ++i) {
    lua_rawgeti(L, list, i);
    const int message = lua_gettop(L);
    if (!lua_istable(L, message) || is_json_array(L, message)) {
      lua_pop(L, 1);
      throw std::runtime_error("llm.chat: each message needs a string 'content'");
    }
    lua_pushliteral(L, "content");
    lua_rawget(L, message);
    lua_pushliteral(L, "role");
    lua_rawget(L, message);
    if (lua_type(L, -2) != LUA_TSTRING || !(lua_isnil(L, -1) || lua_type(L, -1) == LUA_TSTRING)) {
      const bool content_ok = lua_type(L, -2) == LUA_TSTRING;
      lua_pop(L, 3);
      throw std::runtime_error(content_ok ? "llm.chat: a message's 'role' must be a string"
                                          : "llm.chat: each message needs a string 'content'");
    }
    size_t len = 0;
    const char* content = lua_tolstring(L, -2, &len);
    llm::ChatMessage& m = out.emplace_back();
    m.content.assign(content, len);
    if (lua_isnil(L, -1)) {
      m.role = "user";
    } else {
      const char* role = lua_tolstring(L, -1, &len);
      m.role.assign(role, len);
    }
    lua_pop(L, 3);
  }
}

llm::ChatRequest build_request(lua_State* L, JobHost& host, const std::string& agent_name, int table) {
  luaL_checktype(L, table, LUA_TTABLE);
  llm::ChatRequest req;
  req.agent = agent_name;
  const AgentDef* agent = host.snapshot().find_agent(agent_name);
  if (agent) {
    req.model = agent->model;
    req.temperature = agent->temperature;
    req.max_tokens = agent->max_tokens;
    req.retry.max_retries = agent->retry_max;
    req.retry.base_seconds = agent->retry_base;
    req.mock_fixture = agent->mock_fixture;
  }
  if (auto v = string_field(L, table, "model")) req.model = *v;
  if (auto v = number_field(L, table, "temperature")) req.temperature = *v;
  if (auto v = number_field(L, table, "max_tokens")) req.max_tokens = static_cast<int>(*v);
  if (auto v = string_field(L, table, "system")) req.system = *v;

  lua_getfield(L, table, "json");
  req.json = lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  if (req.json && agent) {
    req.required_fields = agent->required_outputs;
    req.json_schema = agent->output_schema;
  }

  lua_getfield(L, table, "messages");
  if (lua_istable(L, -1)) {
    read_messages(L, lua_gettop(L), req.messages);
  } else if (!lua_isnil(L, -1)) {
    throw std::runtime_error("llm.chat: 'messages' must be a list");
  }
  lua_pop(L, 1);
  if (auto prompt = string_field(L, table, "prompt")) req.messages.push_back({"user", *prompt});
  if (req.messages.empty()) throw std::runtime_error("llm.chat: give 'messages' or 'prompt'");
  return req;
}

void push_reply(lua_State* L, const llm::ChatReply& reply) {
  lua_createtable(L, 0, 5);
  lua_pushlstring(L, reply.text.data(), reply.text.size());
  lua_setfield(L, -2, "text");
  push_json(L, reply.json);
  lua_setfield(L, -2, "json");
  lua_createtable(L, 0, 3);
  const std::pair<const char*, int64_t> usage[] = {
      {"prompt_tokens", reply.usage.prompt_tokens},
      {"completion_tokens", reply.usage.completion_tokens},
      {"total_tokens", reply.usage.prompt_tokens + reply.usage.completion_tokens}};
  for (const auto& [name, count] : usage) {
    lua_pushnumber(L, static_cast<double>(count));
    lua_setfield(L, -2, name);
  }
  lua_setfield(L, -2, "usage");
  lua_pushstring(L, reply.model.c_str());
  lua_setfield(L, -2, "model");
  lua_pushnumber(L, static_cast<double>(reply.latency.count()));
  lua_setfield(L, -2, "latency_ms");
}

// Raises the call's failure in the script: llm_error, or the stop reason.
[[noreturn]] void raise_call_error(lua_State* L, JobHost& host, const std::string& key, const llm::LlmError& e) {
  if (!e.raw_reply.empty()) host.remember_raw_reply(key, e.raw_reply);
  // A failed call was still made (and billed): count it.
  llm::ChatReply spent;
  spent.usage = e.usage;
  spent.attempts = 0;
  host.account_reply(key, spent);
  host.check_stopped(L);
  host.raise(L, e.kind == llm::LlmError::Kind::cancelled ? "cancelled" : "llm_error", e.what());
}

class SyncListener final : public llm::CallListener {
 public:
  SyncListener(JobHost& host, std::string key) : host_(host), key_(std::move(key)) {}
  void on_retry(const llm::ChatRequest& r, int n, const std::string& reason, std::chrono::milliseconds d) override {
    host_.post_retry(key_, r.agent, n, reason, d);
    host_.flush_posted();
  }
  void on_waiting(const llm::ChatRequest& r, const std::string& message) override {
    host_.post_waiting(r.agent, message);
    host_.flush_posted();
  }

 private:
  JobHost& host_;
  std::string key_;
};

// The CPU of llm.chat, from the script's table to the reply table it gets
// back, is the LLM call's (runtime/metrics/cpu_by_part.h); writes to the
// store inside it are the store's.
int llm_call(lua_State* L, JobHost& host) {
  const metrics::CpuScope cpu(metrics::CpuPart::llm);
  host.check_stopped(L);
  const std::string key = luaL_checkstring(L, 1);
  const std::string agent = luaL_checkstring(L, 2);
  llm::ChatRequest req = build_request(L, host, agent, 3);
  host.write_held_step();  // stored before a call that may take minutes
  SyncListener listener(host, key);
  llm::ChatReply reply;
  std::optional<llm::LlmError> failure;
  try {
    reply = host.llm().chat(req, host.sync_call_control(), listener);
  } catch (const llm::LlmError& e) {
    failure = e;
  }
  host.rethrow_deferred_failure();  // a lost lease outranks the call's own outcome
  host.sandbox().reset_cpu_slice();
  if (failure) raise_call_error(L, host, key, *failure);
  host.account_reply(key, reply);
  push_reply(L, reply);
  return 1;
}

int llm_start(lua_State* L, JobHost& host) {
  const metrics::CpuScope cpu(metrics::CpuPart::llm);
  host.check_stopped(L);
  const std::string key = luaL_checkstring(L, 1);
  const std::string agent = luaL_checkstring(L, 2);
  auto request = build_request(L, host, agent, 3);
  host.write_held_step();
  lua_pushinteger(L, host.start_call(key, std::move(request)));
  return 1;
}

int llm_wait_any(lua_State* L, JobHost& host) {
  const int id = host.wait_any_call(L);
  host.sandbox().reset_cpu_slice();
  lua_pushinteger(L, id);
  return 1;
}

int llm_result(lua_State* L, JobHost& host) {
  const metrics::CpuScope cpu(metrics::CpuPart::llm);
  auto call = host.take_call(static_cast<int>(luaL_checkinteger(L, 1)));
  if (!call) return luaL_error(L, "unknown LLM call handle");
  if (call->error) raise_call_error(L, host, call->key, *call->error);
  if (!call->failure.empty()) host.raise(L, "llm_error", call->failure);
  host.account_reply(call->key, *call->reply);
  push_reply(L, *call->reply);
  return 1;
}

}  // namespace

void register_llm_primitives(lua_State* L, JobHost* host) {
  set_primitive<llm_call>(L, host, "llm_call");
  set_primitive<llm_start>(L, host, "llm_start");
  set_primitive<llm_wait_any>(L, host, "llm_wait_any");
  set_primitive<llm_result>(L, host, "llm_result");
}

}  // namespace agentry::lua
