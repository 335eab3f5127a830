// Blocking socket I/O that a job can walk away from. Poco's timeouts are per
// read, and a blocked read cannot see a cancelled job. An exchange over a
// connection that is already open runs on the caller's thread and waits for
// the reply with await_reply, which polls the socket in short slices and
// looks at the job's control and the whole-call deadline in between. One that
// must connect first (DNS, TCP, TLS: none of them can be interrupted) runs on
// its own thread under run_abortable, while the caller watches; when either
// fires, the socket is shut down and the caller returns at once.
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

// Returns once `socket` has something to read (the reply's first bytes, or
// the peer closing it). Throws LlmError(cancelled) within a few tens of
// milliseconds of control.stop_requested() turning true, and
// LlmError(transient, deadline_message) when `deadline` passes. Once the
// reply has begun, the rest is read under the socket's read timeout.
void await_reply(const Poco::Net::StreamSocket& socket, const CallControl& control,
                 std::chrono::steady_clock::time_point deadline, const std::string& deadline_message);

}  // namespace agentry::llm
