#include "runtime/lua/job_control.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace agentry::lua {

namespace {

void wake(int fd) {
  if (fd < 0) return;
  const uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(fd, &one, sizeof one);  // only fails when already signalled
}

}  // namespace

JobControl::Fd::~Fd() {
  if (fd >= 0) ::close(fd);
}

void JobControl::stop(StopReason reason) {
  {
    std::lock_guard lock(mutex_);
    if (reason_ == StopReason::none) reason_ = reason;
    if (sandbox_) sandbox_->request_stop(reason_);
    wake(wake_.fd);
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

int JobControl::wake_fd() const {
  std::lock_guard lock(mutex_);
  if (wake_.fd < 0) {
    wake_.fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);  // -1 (out of descriptors): callers poll instead
    if (reason_ != StopReason::none) wake(wake_.fd);
  }
  return wake_.fd;
}

std::chrono::milliseconds JobControl::recheck_within() const {
  constexpr std::chrono::milliseconds kAtMost{1000};
  if (wake_fd() < 0) return CallControl::recheck_within();
  if (!deadline_) return kAtMost;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - std::chrono::steady_clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), kAtMost);
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
