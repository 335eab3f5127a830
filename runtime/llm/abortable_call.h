// Blocking socket I/O that a job can walk away from. Poco's timeouts are per
// read, and a blocked read cannot see a cancelled job, so the exchange runs
// on its own thread while the caller watches the job's control and the
// whole-call deadline; when either fires, the socket is shut down and the
// caller returns at once.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <Poco/Net/StreamSocket.h>

#include "runtime/llm/provider.h"

namespace agentry::llm {

// The socket an exchange is blocked on, as seen from the thread that may
// abort it. Thread-safe.
class SocketAbort {
 public:
  // Registers the exchange's socket. Returns false, registering nothing,
  // when the call was already aborted.
  bool arm(const Poco::Net::StreamSocket& socket);
  // Must be called before the socket is closed or reused, so an abort can
  // never hit a descriptor number that now belongs to someone else.
  void disarm();
  // Shuts the armed socket down (blocked reads and writes return at once)
  // and makes later arm() calls fail.
  void abort();
  bool aborted() const;

 private:
  mutable std::mutex mutex_;
  std::optional<Poco::Net::StreamSocket> socket_;
  bool aborted_ = false;
};

// Runs `work` on a thread of its own and waits for it, rethrowing what it
// throws. If control.stop_requested() turns true first, throws
// LlmError(cancelled) within a few tens of milliseconds; if `deadline`
// passes, throws LlmError(transient, deadline_message). `work` must own
// everything it uses: after an abort it may finish after this returns.
void run_abortable(std::function<void(SocketAbort&)> work, const CallControl& control,
                   std::chrono::steady_clock::time_point deadline, const std::string& deadline_message);

}  // namespace agentry::llm
