// Keeps connections that have nothing to say away from the pool threads.
//
// Poco's HTTPServer gives every connection a pool thread for its whole life:
// a client that connects and sends nothing (a browser's preconnect), or a
// keep-alive connection between two polls, holds a thread for seconds, and a
// few dozen of them starve everyone else. The gate accepts connections
// itself and watches every idle one with epoll on a single thread; only when
// a connection has bytes to read is it handed to the pool (dispatch), and
// after each response a keep-alive connection comes back here (park). A new
// connection must send within first_request_timeout, a parked one within
// keep_alive_timeout, or it is closed.
//
// Thread-safe: park() is called from pool threads.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

namespace agentry::server {

struct ConnectionGateOptions {
  std::chrono::milliseconds first_request_timeout{10'000};
  std::chrono::milliseconds keep_alive_timeout{5'000};
  // Idle connections held at once; connections accepted beyond it are closed.
  size_t max_idle = 10'000;
};

class ConnectionGate {
 public:
  // Called on the gate thread with a connection that has bytes to read.
  using Dispatch = std::function<void(const Poco::Net::StreamSocket&)>;

  ConnectionGate(Poco::Net::ServerSocket listener, ConnectionGateOptions options, Dispatch dispatch);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  void start();
  // Stops accepting and closes every idle connection. Idempotent.
  void stop();
  // A keep-alive connection waits here for its next request (closed at once
  // after stop()).
  void park(Poco::Net::StreamSocket socket);

 private:
  struct Idle {
    Poco::Net::StreamSocket socket;
    std::chrono::steady_clock::time_point deadline;
  };
  using SteadyTime = std::chrono::steady_clock::time_point;

  void run();
  void accept_all(SteadyTime now);
  void watch(Poco::Net::StreamSocket socket, SteadyTime deadline);
  void ready(int fd, uint32_t events);
  void close_expired(SteadyTime now);
  void pause_accepting(SteadyTime until);

  Poco::Net::ServerSocket listener_;
  ConnectionGateOptions options_;
  Dispatch dispatch_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;

  std::mutex mutex_;
  bool stopping_ = false;
  std::vector<Poco::Net::StreamSocket> parked_;  // handed over by park(), not yet watched

  // Gate thread only.
  std::unordered_map<int, Idle> idle_;
  SteadyTime accept_paused_until_{};
  bool accept_paused_ = false;
  std::thread thread_;
};

}  // namespace agentry::server
