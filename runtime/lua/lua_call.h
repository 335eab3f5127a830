// The one way C++ primitives are exposed to Lua: a closure over the JobHost
// that turns C++ exceptions into Lua errors at the boundary, so no exception
// crosses into Lua and scripts see a message instead of a crash.
#pragma once

#include <string>

#include <lua.hpp>

#include "runtime/jobs/journal.h"
#include "runtime/lua/job_host.h"

namespace agentry::lua {

using HostPrimitive = int (*)(lua_State*, JobHost&);

template <HostPrimitive F>
int call_primitive(lua_State* L) {
  auto* host = static_cast<JobHost*>(lua_touserdata(L, lua_upvalueindex(1)));
  std::string code = "script_error";
  std::string message;
  try {
    return F(L, *host);
  } catch (const jobs::LeaseLost& e) {
    host->control().lease_lost();
    message = e.what();
  } catch (const llm::LlmError& e) {
    code = e.kind == llm::LlmError::Kind::cancelled ? "cancelled" : "llm_error";
    message = e.what();
  } catch (const std::exception& e) {
    message = e.what();
  }
  host->check_stopped(L);
  host->raise(L, code, message);
}

template <HostPrimitive F>
void set_primitive(lua_State* L, JobHost* host, const char* name) {
  lua_pushlightuserdata(L, host);
  lua_pushcclosure(L, &call_primitive<F>, 1);
  lua_setfield(L, -2, name);
}

}  // namespace agentry::lua
