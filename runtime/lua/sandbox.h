// One sandboxed lua_State: the allow-listed libraries, a memory-limited
// allocator and a CPU/cancellation hook. This file and prelude.lua are the
// whole sandbox: what a script can reach is decided here and nowhere else.
//
// Not thread-safe: a state belongs to one job and is used by one thread. The
// stop flag (`request_stop`) is the only member another thread may touch.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

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
enum class StopReason { none, memory, cpu, cancelled, timeout, lease_lost };

class Sandbox {
 public:
  explicit Sandbox(SandboxLimits limits = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  lua_State* L() const { return L_; }
  const SandboxLimits& limits() const { return limits_; }

  size_t memory_used() const { return used_; }

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

 private:
  static void* allocate(void* ud, void* ptr, size_t old_size, size_t new_size);
  static void hook(lua_State* L, lua_Debug* ar);
  void note_location(lua_State* L, lua_Debug* ar);

  SandboxLimits limits_;
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
