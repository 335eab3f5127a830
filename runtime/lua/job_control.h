// Stopping a running job from outside its thread: cancellation, the job
// timeout and lease loss. One per running job; the scheduler holds it to
// cancel, the engine and every LLM call of the job poll or wait on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>

#include "runtime/llm/provider.h"
#include "runtime/lua/sandbox.h"

namespace agentry::lua {

class JobControl final : public llm::CallControl {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  JobControl() = default;
  explicit JobControl(SteadyTime deadline) : deadline_(deadline) {}

  void cancel() { stop(StopReason::cancelled); }
  void lease_lost() { stop(StopReason::lease_lost); }
  // Sets the reason (first one wins), wakes every waiter and stops the script.
  void stop(StopReason reason);

  StopReason reason() const;
  std::optional<SteadyTime> deadline() const { return deadline_; }

  bool stop_requested() const override;
  bool wait_for(std::chrono::milliseconds d) const override;
  // An eventfd, opened on first use, that stop() makes readable for good.
  int wake_fd() const override;
  // Until the job's deadline (at most a second; wake_fd covers the rest).
  std::chrono::milliseconds recheck_within() const override;

  // The running script's sandbox, told to stop when the job is stopped.
  void attach(Sandbox* sandbox);
  void detach();

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  StopReason reason_ = StopReason::none;
  std::optional<SteadyTime> deadline_;
  Sandbox* sandbox_ = nullptr;
  struct Fd {
    int fd = -1;
    Fd() = default;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();
  };
  mutable Fd wake_;
};

}  // namespace agentry::lua
