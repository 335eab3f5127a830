#include "runtime/llm/abortable_call.h"

#include <poll.h>
#include <sys/socket.h>

#include <future>
#include <memory>
#include <thread>

namespace agentry::llm {

namespace {

// How often the waiting caller looks at the job's control; bounds how late
// a cancellation is noticed.
constexpr std::chrono::milliseconds kWatchInterval{20};
// After an abort, how long the caller lets the exchange wind down (so its
// connection is closed before the next call starts) before walking away.
constexpr std::chrono::milliseconds kWindDown{50};

}  // namespace

bool SocketAbort::arm(const Poco::Net::StreamSocket& socket) {
  std::lock_guard lock(mutex_);
  if (aborted_) return false;
  socket_ = socket;
  return true;
}

void SocketAbort::disarm() {
  std::lock_guard lock(mutex_);
  socket_.reset();
}

void SocketAbort::abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  // ::shutdown rather than Poco's: a TLS socket's shutdown() would write a
  // close_notify from this thread while the exchange thread is inside SSL_read.
  if (socket_ && socket_->impl()->initialized()) ::shutdown(socket_->impl()->sockfd(), SHUT_RDWR);
}

bool SocketAbort::aborted() const {
  std::lock_guard lock(mutex_);
  return aborted_;
}

void run_abortable(std::function<void(SocketAbort&)> work, const CallControl& control,
                   std::chrono::steady_clock::time_point deadline, const std::string& deadline_message) {
  struct Shared {
    SocketAbort abort;
    std::promise<void> done;
  };
  auto shared = std::make_shared<Shared>();
  auto finished = shared->done.get_future();
  std::thread([shared, work = std::move(work)] {
    try {
      work(shared->abort);
      shared->done.set_value();
    } catch (...) {
      shared->done.set_exception(std::current_exception());
    }
  }).detach();

  for (;;) {
    if (finished.wait_for(kWatchInterval) == std::future_status::ready) return finished.get();
    const bool cancelled = control.stop_requested();
    if (!cancelled && std::chrono::steady_clock::now() < deadline) continue;
    shared->abort.abort();
    finished.wait_for(kWindDown);
    if (cancelled) throw LlmError(LlmError::Kind::cancelled, "call cancelled");
    throw LlmError(LlmError::Kind::transient, deadline_message);
  }
}

void await_reply(const Poco::Net::StreamSocket& socket, const CallControl& control,
                 std::chrono::steady_clock::time_point deadline, const std::string& deadline_message) {
  const int wake = control.wake_fd();
  for (;;) {
    if (control.stop_requested()) throw LlmError(LlmError::Kind::cancelled, "call cancelled");
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw LlmError(LlmError::Kind::transient, deadline_message);
    const auto slice = std::min(left, control.recheck_within());
    pollfd fds[2] = {{socket.impl()->sockfd(), POLLIN, 0}, {wake, POLLIN, 0}};
    const int ready = ::poll(fds, wake < 0 ? 1 : 2, static_cast<int>(slice.count()));
    if (ready > 0 && fds[0].revents != 0) return;
  }
}

}  // namespace agentry::llm
