#include "runtime/lua/job_control.h"

namespace agentry::lua {

void JobControl::stop(StopReason reason) {
  {
    std::lock_guard lock(mutex_);
    if (reason_ == StopReason::none) reason_ = reason;
    if (sandbox_) sandbox_->request_stop(reason_);
  }
  changed_.notify_all();
}

StopReason JobControl::reason() const {
  std::lock_guard lock(mutex_);
  if (reason_ == StopReason::none && deadline_ && std::chrono::steady_clock::now() >= *deadline_)
    return StopReason::timeout;
  return reason_;
}

bool JobControl::stop_requested() const { return reason() != StopReason::none; }

bool JobControl::wait_for(std::chrono::milliseconds d) const {
  std::unique_lock lock(mutex_);
  auto until = std::chrono::steady_clock::now() + d;
  if (deadline_ && *deadline_ < until) until = *deadline_;
  changed_.wait_until(lock, until, [&] { return reason_ != StopReason::none; });
  lock.unlock();
  return !stop_requested();
}

void JobControl::attach(Sandbox* sandbox) {
  std::lock_guard lock(mutex_);
  sandbox_ = sandbox;
  if (sandbox_ && deadline_) sandbox_->set_deadline(*deadline_);
  if (sandbox_ && reason_ != StopReason::none) sandbox_->request_stop(reason_);
}

void JobControl::detach() {
  std::lock_guard lock(mutex_);
  sandbox_ = nullptr;
}

}  // namespace agentry::lua
