// What a log line is about, beyond its message: the job a worker thread is
// running, the HTTP request a server thread is answering. spdlog 1.10 has no
// MDC, so the context is thread-local here and the formatters in logging.cpp
// read it when they render a line.
//
// Each thread sees only its own context. Set it with the scoped guards below
// on the thread that logs (a job's worker thread, its LLM call threads, a
// request's handler thread); they restore the previous value when they end.
#pragma once

#include <string>

namespace agentry::log {

struct LogContext {
  std::string job_id;      // empty: the line is about no job
  std::string request_id;  // empty: the line is about no HTTP request
};

// This thread's context.
const LogContext& current_context();

// Sets the job id on this thread for the guard's lifetime.
class ScopedJobId {
 public:
  explicit ScopedJobId(std::string job_id);
  ~ScopedJobId();
  ScopedJobId(const ScopedJobId&) = delete;
  ScopedJobId& operator=(const ScopedJobId&) = delete;

 private:
  std::string previous_;
};

// Sets the request id on this thread for the guard's lifetime.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

}  // namespace agentry::log
