// One sandboxed lua_State: the allow-listed libraries, a memory-limited
// allocator and a CPU/cancellation hook. This file and prelude.lua are the
// whole sandbox: what a script can reach is decided here and nowhere else.
//
// Not thread-safe: a state belongs to one job and is used by one thread. The
// stop flag (`request_stop`) is the only member another thread may touch.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "runtime/lua/state_arena.h"

struct lua_State;
struct lua_Debug;

namespace agentry::lua {

struct SandboxLimits {
  // Bytes a state may allocate in all; past it the script fails with
  // "memory limit 64 MiB exceeded in <file>:<line>".
  size_t memory_bytes = 64u << 20;
  // Longest stretch of pure Lua execution between two primitives (llm.chat,
  // sleep, run_agent...) before the script is stopped as a runaway loop.
  std::chrono::milliseconds cpu_slice{5000};
  // Largest string a wrapped string function (string.rep, job.log) may build.
  size_t max_string_bytes = 16u << 20;
};

// Why a state was stopped from the outside (by the hook or the allocator).
// agent_timeout: an agent ran past its own `timeout` (reported as "timeout").
enum class StopReason { none, memory, cpu, cancelled, timeout, lease_lost, agent_timeout };

// The tighter limits of one running agent (`memory_mb`, `timeout` in its
// definition), already clamped to the job's: applied while that agent runs.
struct AgentLimits {
  std::string agent;
  // Total bytes the state may hold while the agent runs: what it held when
  // the agent started plus the agent's `memory_mb`, never above the job's.
  size_t memory_cap = 0;
  size_t memory_declared = 0;  // the agent's `memory_mb` in bytes, for messages; 0 = none
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  int timeout_seconds = 0;  // the agent's `timeout`, for messages; 0 = none
};

class Sandbox {
 public:
  explicit Sandbox(SandboxLimits limits = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  lua_State* L() const { return L_; }
  const SandboxLimits& limits() const { return limits_; }

  // What the state holds: the bytes Lua asked for, or the arena's footprint
  // when free blocks of other sizes make that larger. Limits count this.
  size_t memory_used() const { return std::max(used_, arena_.footprint()); }

  // Marks the state to stop at its next instruction count check or primitive.
  // Safe to call from any thread.
  void request_stop(StopReason reason);
  StopReason stop_reason() const { return stop_.load(std::memory_order_acquire); }
  // A message for the stop reason with the last script location seen, e.g.
  // "memory limit 64 MiB exceeded in agents/E3.lua:12".
  std::string stop_message() const;

  // Starts a new CPU slice: called when Lua gets control back from C++.
  void reset_cpu_slice();
  // The job's timeout: the hook stops the script once it has passed.
  void set_deadline(std::chrono::steady_clock::time_point deadline) { job_deadline_ = deadline; }

  // The limits of the agent running now, or nullptr for the job's own. The
  // pointee must outlive its use (JobHost keeps every agent's limits).
  void set_agent_limits(const AgentLimits* limits);
  const AgentLimits* agent_limits() const { return agent_; }
  // True once the running agent's deadline has passed; safe from any thread.
  bool agent_deadline_passed() const;
  // Time left until the running agent's deadline (rounded up; 0 once it has
  // passed; milliseconds::max() without one).
  std::chrono::milliseconds until_agent_deadline() const;
  // Stops the state for the running agent's timeout (job thread only).
  void note_agent_timeout();

 private:
  static void* allocate(void* ud, void* ptr, size_t old_size, size_t new_size);
  static void hook(lua_State* L, lua_Debug* ar);
  void note_location(lua_State* L, lua_Debug* ar);

  SandboxLimits limits_;
  const AgentLimits* agent_ = nullptr;
  // The agent deadline as steady-clock ticks, read by LLM call threads.
  std::atomic<int64_t> agent_deadline_ticks_{std::numeric_limits<int64_t>::max()};
  // The memory limit that refused an allocation, for the stop message.
  size_t refused_limit_ = 0;
  std::string refused_agent_;
  std::string timed_out_agent_;
  int timed_out_seconds_ = 0;
  StateArena arena_;  // destroyed after ~Sandbox's lua_close
  lua_State* L_ = nullptr;
  size_t used_ = 0;
  std::atomic<StopReason> stop_{StopReason::none};
  std::chrono::steady_clock::time_point slice_deadline_;
  std::chrono::steady_clock::time_point job_deadline_ = std::chrono::steady_clock::time_point::max();
  const void* last_source_ptr_ = nullptr;
  std::string last_source_;
  int last_line_ = 0;
};

// Turns a chunk name ("@agents/E3.lua") into what authors see ("agents/E3.lua").
std::string display_chunk_name(const char* source);

}  // namespace agentry::lua
