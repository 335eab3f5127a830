// Where this process's CPU time goes: inside database calls, inside LLM calls
// (llm.chat from the script's table to the reply table it gets back: the
// request, the HTTP exchange, parsing the reply and handing it to Lua),
// serving HTTP requests, or elsewhere (scripts, scheduler). For /metrics
// (agentry_cpu_seconds_total{part}) and the throughput table of
// tools/bench/run, which must show whether the database or the engine limits
// a batch of jobs.
//
// A CpuScope adds the CPU time its thread spends inside it
// (CLOCK_THREAD_CPUTIME_ID: time waiting for a lock, a socket or an fsync is
// not CPU time) to its part. Scopes nest and the innermost wins: a database
// write made while serving a request counts as store, the rest of the
// request as api.
#pragma once

#include <cstdint>

namespace agentry::metrics {

enum class CpuPart { store, llm, api };
inline constexpr int kCpuParts = 3;

class CpuScope {
 public:
  explicit CpuScope(CpuPart part);
  ~CpuScope();
  CpuScope(const CpuScope&) = delete;
  CpuScope& operator=(const CpuScope&) = delete;

 private:
  int outer_;      // the part this scope interrupted; -1: none
  bool switched_;  // false inside a scope of the same part
};

// CPU seconds counted in `part` since the process started.
double cpu_seconds(CpuPart part);

// CPU seconds of the whole process (every thread, user and system).
double process_cpu_seconds();

}  // namespace agentry::metrics
