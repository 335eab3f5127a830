#include "server/http/connection_gate.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

#include <Poco/Net/StreamSocketImpl.h>
#include <spdlog/spdlog.h>

namespace agentry::server {
namespace {

// How often idle connections are checked for their deadline.
constexpr std::chrono::milliseconds kSweep{100};
// Bodies up to this size are waited for here too, so a slow small POST holds
// no thread either; larger ones (and chunked ones) stream on a pool thread.
// Head and body must fit the socket's receive window (64 KiB with Linux's
// default tcp_rmem and tcp_adv_win_scale 1) or the client stalls: 32 KiB of
// head + 16 KiB does. A job's input is typically a few KiB.
constexpr size_t kBodyWait = 16 << 10;

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string("connection gate: ") + what + ": " + std::strerror(errno));
}

// The peer's address without the port, as raw bytes: the per-address key.
std::string address_key(const sockaddr_storage& peer) {
  if (peer.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
    return std::string(reinterpret_cast<const char*>(&in.sin_addr), sizeof in.sin_addr);
  }
  if (peer.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(peer);
    return std::string(reinterpret_cast<const char*>(&in6.sin6_addr), sizeof in6.sin6_addr);
  }
  return {};
}

std::string address_of(int fd) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) < 0) return {};
  return address_key(peer);
}

// Where the head ends (just past its blank line), or 0 while it is
// incomplete. Lines may end in CRLF or a bare LF, as Poco's parser allows.
size_t head_end(std::string_view data) {
  for (size_t i = data.find('\n'); i != std::string_view::npos; i = data.find('\n', i + 1)) {
    size_t j = i + 1;
    if (j < data.size() && data[j] == '\r') ++j;
    if (j < data.size() && data[j] == '\n') return j + 1;
  }
  return 0;
}

// The value of header `name` (lower case, with the colon) in `head`, or "".
std::string_view header_value(std::string_view head, std::string_view name) {
  for (size_t line = head.find('\n'); line != std::string_view::npos; line = head.find('\n', line + 1)) {
    const auto rest = head.substr(line + 1);
    if (rest.size() < name.size()) return {};
    bool same = true;
    for (size_t k = 0; k < name.size() && same; ++k)
      same = std::tolower(static_cast<unsigned char>(rest[k])) == name[k];
    if (!same) continue;
    auto value = rest.substr(name.size(), rest.find('\n') - name.size());
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
    return value;
  }
  return {};
}

// How many bytes must be here before a request with this head is
// dispatched: the head, plus a declared body of up to kBodyWait bytes.
size_t request_size(std::string_view head) {
  // A client that expects 100 Continue sends its body only after we answer.
  if (!header_value(head, "expect:").empty()) return head.size();
  size_t body = 0;
  for (const char c : header_value(head, "content-length:")) {
    if (c < '0' || c > '9' || body > kBodyWait) return head.size();  // the parser judges it
    body = body * 10 + static_cast<size_t>(c - '0');
  }
  return head.size() + (body <= kBodyWait ? body : 0);
}

// A one-off error reply written without blocking; the connection closes after it.
void refuse(int fd, const char* status, const char* code, const char* message, const char* extra_headers = "") {
  const std::string body = std::string(R"({"error":{"code":")") + code + R"(","message":")" + message + "\"}}";
  const std::string reply = std::string("HTTP/1.1 ") + status +
                            "\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n" +
                            extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  // Read what the client sent so far: closing over unread input would reset
  // the connection and lose the reply.
  char scratch[4096];
  for (int i = 0; i < 16 && ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; ++i) {
  }
  [[maybe_unused]] const auto n = ::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
}

}  // namespace

ConnectionGate::ConnectionGate(Poco::Net::ServerSocket listener, ConnectionGateOptions options, Dispatch dispatch)
    : listener_(std::move(listener)),
      options_(options),
      dispatch_(std::move(dispatch)),
      peek_(options.max_header_bytes + kBodyWait) {
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
  per_address_.clear();
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
        ready(fd, events[static_cast<size_t>(i)].events, now);
      }
    }
    for (auto& socket : parked) watch(std::move(socket), now + options_.keep_alive_timeout, true);
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
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    const int fd =
        ::accept4(listener_.impl()->sockfd(), reinterpret_cast<sockaddr*>(&peer), &peer_length, SOCK_CLOEXEC);
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
    std::string address = address_key(peer);
    if (const auto held = per_address_.find(address);
        held != per_address_.end() && held->second >= options_.max_per_address) {
      options_.on_refused(503);  // counted before the client can see the reply
      refuse(fd, "503 Service Unavailable", "too_many_connections",
             "this address has too many connections open; reuse one (keep-alive) or close some", "Retry-After: 5\r\n");
      continue;
    }
    // Small replies must not wait for Nagle's algorithm.
    socket.setNoDelay(true);
    watch(std::move(socket), now + options_.first_request_timeout, false, std::move(address));
  }
}

void ConnectionGate::watch(Poco::Net::StreamSocket socket, SteadyTime deadline, bool parked, std::string address) {
  const int fd = socket.impl()->sockfd();
  // Edge-triggered: bytes that stay unread (an incomplete head) report again
  // only when more arrive. Adding reports bytes already waiting.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) return;  // closed as `socket` goes
  if (parked) address = address_of(fd);
  ++per_address_[address];
  idle_.insert_or_assign(fd, Idle{std::move(socket), deadline, std::move(address), parked, false});
}

void ConnectionGate::forget(std::unordered_map<int, Idle>::iterator it) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->first, nullptr);
  if (const auto count = per_address_.find(it->second.address); count != per_address_.end() && --count->second == 0)
    per_address_.erase(count);
  idle_.erase(it);
}

void ConnectionGate::ready(int fd, uint32_t events, SteadyTime now) {
  const auto it = idle_.find(fd);
  if (it == idle_.end()) return;
  Idle& idle = it->second;
  const ssize_t n = ::recv(fd, peek_.data(), peek_.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) && !(events & (EPOLLERR | EPOLLHUP))) return;
  // Closed or broken before sending anything: nothing to serve.
  if (n <= 0) return forget(it);
  const std::string_view data(peek_.data(), static_cast<size_t>(n));
  const size_t head = head_end(data);
  if (head > options_.max_header_bytes || (head == 0 && data.size() >= options_.max_header_bytes)) {
    options_.on_refused(431);
    refuse(fd, "431 Request Header Fields Too Large", "header_too_large",
           ("the request line and headers exceed " + std::to_string(options_.max_header_bytes) + " bytes").c_str());
    return forget(it);
  }
  if (head == 0 || data.size() < request_size(data.substr(0, head))) {
    // The client closed its side (or broke) before its request was whole:
    // no more bytes will come.
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) return forget(it);
    if (!idle.started) {
      idle.started = true;
      // A keep-alive connection's next request gets the same time for its
      // head as a new connection's first one.
      if (idle.parked) idle.deadline = now + options_.first_request_timeout;
    }
    return;  // edge-triggered: the next bytes report again
  }
  Poco::Net::StreamSocket socket = std::move(idle.socket);
  forget(it);
  dispatch_(socket);
}

void ConnectionGate::close_expired(SteadyTime now) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    const auto next = std::next(it);
    if (it->second.deadline <= now) forget(it);
    it = next;
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
