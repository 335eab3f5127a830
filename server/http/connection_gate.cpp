#include "server/http/connection_gate.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <Poco/Net/StreamSocketImpl.h>
#include <spdlog/spdlog.h>

namespace agentry::server {
namespace {

// How often idle connections are checked for their deadline.
constexpr std::chrono::milliseconds kSweep{100};

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string("connection gate: ") + what + ": " + std::strerror(errno));
}

}  // namespace

ConnectionGate::ConnectionGate(Poco::Net::ServerSocket listener, ConnectionGateOptions options, Dispatch dispatch)
    : listener_(std::move(listener)), options_(options), dispatch_(std::move(dispatch)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  check(epoll_fd_, "epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  check(wake_fd_, "eventfd");
  listener_.setBlocking(false);
  for (const int fd : {wake_fd_, static_cast<int>(listener_.impl()->sockfd())}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    check(::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev), "epoll_ctl");
  }
}

ConnectionGate::~ConnectionGate() {
  stop();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void ConnectionGate::start() {
  thread_ = std::thread([this] { run(); });
}

void ConnectionGate::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  const uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  // Closing the listener refuses new connections; the sockets close as
  // their last references go.
  listener_.close();
  idle_.clear();
  std::lock_guard lock(mutex_);
  parked_.clear();
}

void ConnectionGate::park(Poco::Net::StreamSocket socket) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // dropping the socket closes it
    parked_.push_back(std::move(socket));
  }
  const uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::run() {
  std::array<epoll_event, 64> events{};
  auto next_sweep = std::chrono::steady_clock::now() + kSweep;
  for (;;) {
    const int n =
        ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), static_cast<int>(kSweep.count()));
    const auto now = std::chrono::steady_clock::now();
    std::vector<Poco::Net::StreamSocket> parked;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      parked.swap(parked_);
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<size_t>(i)].data.fd;
      if (fd == wake_fd_) {
        uint64_t count = 0;
        [[maybe_unused]] const auto r = ::read(wake_fd_, &count, sizeof count);
      } else if (fd == listener_.impl()->sockfd()) {
        accept_all(now);
      } else {
        ready(fd, events[static_cast<size_t>(i)].events);
      }
    }
    for (auto& socket : parked) watch(std::move(socket), now + options_.keep_alive_timeout);
    if (now >= next_sweep) {
      close_expired(now);
      next_sweep = now + kSweep;
    }
    if (accept_paused_ && now >= accept_paused_until_) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = listener_.impl()->sockfd();
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, ev.data.fd, &ev);
      accept_paused_ = false;
    }
  }
}

void ConnectionGate::accept_all(SteadyTime now) {
  for (;;) {
    const int fd = ::accept4(listener_.impl()->sockfd(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // Out of descriptors or memory: let the backlog hold new clients a moment.
      spdlog::warn("http: accept failed ({}); pausing accepts for 100 ms", std::strerror(errno));
      pause_accepting(now + kSweep);
      return;
    }
    // The socket owns the descriptor from here on.
    Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(fd));
    if (idle_.size() >= options_.max_idle) continue;  // closed as `socket` goes
    // Small replies must not wait for Nagle's algorithm.
    socket.setNoDelay(true);
    watch(std::move(socket), now + options_.first_request_timeout);
  }
}

void ConnectionGate::watch(Poco::Net::StreamSocket socket, SteadyTime deadline) {
  const int fd = socket.impl()->sockfd();
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) return;  // closed as `socket` goes
  idle_.insert_or_assign(fd, Idle{std::move(socket), deadline});
}

void ConnectionGate::ready(int fd, uint32_t events) {
  const auto it = idle_.find(fd);
  if (it == idle_.end()) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  Poco::Net::StreamSocket socket = std::move(it->second.socket);
  idle_.erase(it);
  // A hang-up or error without data: nothing to serve.
  if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) return;
  // The client closed its side: serve what it sent before, if anything.
  // Closing clients would otherwise each take a place in the pool's queue.
  if (events & EPOLLRDHUP) {
    char byte;
    if (::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) return;
  }
  dispatch_(socket);
}

void ConnectionGate::close_expired(SteadyTime now) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->first, nullptr);
    it = idle_.erase(it);
  }
}

void ConnectionGate::pause_accepting(SteadyTime until) {
  epoll_event ev{};
  ev.events = 0;
  ev.data.fd = listener_.impl()->sockfd();
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, ev.data.fd, &ev);
  accept_paused_ = true;
  accept_paused_until_ = until;
}

}  // namespace agentry::server
