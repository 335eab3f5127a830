#include "runtime/lua/sandbox.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <lua.hpp>

namespace agentry::lua {

namespace {

// Instructions between two hook calls: small enough that a runaway loop is
// caught within microseconds of its slice, large enough to cost nothing.
constexpr int kHookInstructionCount = 1000;

void open_library(lua_State* L, lua_CFunction open, const char* name) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

}  // namespace

std::string display_chunk_name(const char* source) {
  if (!source) return "?";
  if (source[0] == '@' || source[0] == '=') return source + 1;
  return "[string]";
}

Sandbox::Sandbox(SandboxLimits limits) : limits_(limits) {
  L_ = lua_newstate(&Sandbox::allocate, this);
  if (!L_) throw std::runtime_error("cannot create a Lua state");
  // Count hooks never fire inside JIT-compiled traces, so a hot
  // `while true do end` would escape the CPU limit: this state is interpreted.
  luaJIT_setmode(L_, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
  // Only these libraries exist; prelude.lua narrows them further (os, string.dump,
  // load). Never luaL_openlibs: it would bring io, package, debug, ffi and jit.
  open_library(L_, luaopen_base, "");
  open_library(L_, luaopen_table, LUA_TABLIBNAME);
  open_library(L_, luaopen_string, LUA_STRLIBNAME);
  open_library(L_, luaopen_math, LUA_MATHLIBNAME);
  open_library(L_, luaopen_bit, LUA_BITLIBNAME);
  open_library(L_, luaopen_os, LUA_OSLIBNAME);
  reset_cpu_slice();
  lua_sethook(L_, &Sandbox::hook, LUA_MASKCOUNT, kHookInstructionCount);
}

Sandbox::~Sandbox() {
  if (L_) lua_close(L_);
}

void Sandbox::request_stop(StopReason reason) {
  StopReason expected = StopReason::none;
  stop_.compare_exchange_strong(expected, reason, std::memory_order_acq_rel);
}

void Sandbox::reset_cpu_slice() { slice_deadline_ = std::chrono::steady_clock::now() + limits_.cpu_slice; }

void Sandbox::set_agent_limits(const AgentLimits* limits) {
  agent_ = limits;
  const auto deadline = limits ? limits->deadline : std::chrono::steady_clock::time_point::max();
  agent_deadline_ticks_.store(deadline.time_since_epoch().count(), std::memory_order_release);
}

bool Sandbox::agent_deadline_passed() const {
  return std::chrono::steady_clock::now().time_since_epoch().count() >
         agent_deadline_ticks_.load(std::memory_order_acquire);
}

std::chrono::milliseconds Sandbox::until_agent_deadline() const {
  using Clock = std::chrono::steady_clock;
  const int64_t ticks = agent_deadline_ticks_.load(std::memory_order_acquire);
  if (ticks == Clock::time_point::max().time_since_epoch().count()) return std::chrono::milliseconds::max();
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(Clock::time_point(Clock::duration(ticks)) - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

std::string Sandbox::stop_message() const {
  const std::string where = last_source_.empty() ? "" : " in " + last_source_ + ":" + std::to_string(last_line_);
  switch (stop_reason()) {
    case StopReason::memory:
      if (!refused_agent_.empty())
        return "agent " + refused_agent_ + ": memory limit " + std::to_string(refused_limit_ >> 20) +
               " MiB (its memory_mb) exceeded" + where;
      return "memory limit " + std::to_string(limits_.memory_bytes >> 20) + " MiB exceeded" + where;
    case StopReason::agent_timeout:
      return "agent " + timed_out_agent_ + " exceeded its timeout of " + std::to_string(timed_out_seconds_) + " s" +
             where;
    case StopReason::cpu:
      return "CPU limit exceeded: " + std::to_string(limits_.cpu_slice.count()) +
             " ms of Lua without calling a primitive" + where;
    case StopReason::cancelled: return "job cancelled";
    case StopReason::timeout: return "job timed out";
    case StopReason::lease_lost: return "the worker lost the job's lease";
    case StopReason::none: break;
  }
  return "stopped";
}

void* Sandbox::allocate(void* ud, void* ptr, size_t old_size, size_t new_size) {
  auto* self = static_cast<Sandbox*>(ud);
  if (new_size == 0) {
    if (ptr) {
      self->arena_.release(ptr, old_size);
      self->used_ -= old_size;
    }
    return nullptr;
  }
  const size_t old_counted = ptr ? old_size : 0;
  const size_t cap = self->agent_ ? self->agent_->memory_cap : self->limits_.memory_bytes;
  const size_t held = self->memory_used();
  if (new_size > old_counted && held - std::min(held, old_counted) + new_size > cap) {
    // Refuse: Lua raises "not enough memory"; the flag makes the hook and
    // the job runner report it as the memory limit, even if a pcall eats it.
    if (self->stop_reason() == StopReason::none && self->agent_ &&
        self->agent_->memory_cap < self->limits_.memory_bytes) {
      self->refused_agent_ = self->agent_->agent;
      self->refused_limit_ = self->agent_->memory_declared;
    }
    self->request_stop(StopReason::memory);
    if (self->L_) lua_sethook(self->L_, &Sandbox::hook, LUA_MASKCOUNT, 1);
    return nullptr;
  }
  void* p = ptr ? self->arena_.resize(ptr, old_size, new_size) : self->arena_.allocate(new_size);
  if (p) self->used_ = self->used_ - old_counted + new_size;
  return p;
}

void Sandbox::note_agent_timeout() {
  if (!agent_ || stop_reason() != StopReason::none) return;
  timed_out_agent_ = agent_->agent;
  timed_out_seconds_ = agent_->timeout_seconds;
  request_stop(StopReason::agent_timeout);
}

void Sandbox::note_location(lua_State* L, lua_Debug* ar) {
  if (!lua_getinfo(L, "Sl", ar) || ar->currentline <= 0) return;
  // The trusted prelude is not where a script author should look.
  if (std::strncmp(ar->source, "@runtime/", 9) == 0) return;
  if (ar->source != last_source_ptr_) {
    last_source_ptr_ = ar->source;
    last_source_ = display_chunk_name(ar->source);
  }
  last_line_ = ar->currentline;
}

void Sandbox::hook(lua_State* L, lua_Debug* ar) {
  // The allocator's userdata is the Sandbox: reachable from any coroutine.
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  auto* self = static_cast<Sandbox*>(ud);
  self->note_location(L, ar);
  if (self->stop_reason() == StopReason::none) {
    const auto now = std::chrono::steady_clock::now();
    if (now > self->job_deadline_)
      self->request_stop(StopReason::timeout);
    else if (self->agent_ && now > self->agent_->deadline)
      self->note_agent_timeout();
    else if (now > self->slice_deadline_)
      self->request_stop(StopReason::cpu);
  }
  if (self->stop_reason() == StopReason::none) return;
  // Fire on every instruction from now on, so a script that catches the error
  // with pcall meets it again at once.
  lua_sethook(L, &Sandbox::hook, LUA_MASKCOUNT, 1);
  lua_pushstring(L, self->stop_message().c_str());
  lua_error(L);
}

}  // namespace agentry::lua
