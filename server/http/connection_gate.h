// Keeps connections that have nothing to say away from the pool threads.
//
// Poco's HTTPServer gives every connection a pool thread for its whole life:
// a client that connects and sends nothing (a browser's preconnect), or a
// keep-alive connection between two polls, holds a thread for seconds, and a
// few dozen of them starve everyone else. The gate accepts connections
// itself and watches every idle one with epoll on a single thread; only when
// a connection's request head (request line and headers) has arrived whole —
// and a small body with it — is it handed to the pool (dispatch), and after
// each response a keep-alive connection comes back here (park). So a client
// that dribbles its headers (slowloris) costs a socket, never a thread. A new
// connection must send its head within first_request_timeout; a parked one
// must start within keep_alive_timeout and finish within
// first_request_timeout of its first byte; else it is closed. The bytes stay
// in the socket (read with MSG_PEEK) for the HTTP parser.
//
// Thread-safe: park() is called from pool threads.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
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
  // A head that is still incomplete at this size is answered 431 and closed.
  size_t max_header_bytes = 32 << 10;
  // Connections from one client address held at once; more are answered
  // 503 too_many_connections and closed.
  size_t max_per_address = 512;
  // Told (on the gate thread) the status of each connection refused above.
  std::function<void(int status)> on_refused = [](int) {};
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
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Idle {
    Poco::Net::StreamSocket socket;
    SteadyTime deadline;
    std::string address;   // the peer's address bytes, for max_per_address
    bool parked = false;   // back after a response (not a new connection)
    bool started = false;  // part of a head has arrived
  };

  void run();
  void accept_all(SteadyTime now);
  void watch(Poco::Net::StreamSocket socket, SteadyTime deadline, bool parked, std::string address = {});
  void ready(int fd, uint32_t events, SteadyTime now);
  void forget(std::unordered_map<int, Idle>::iterator it);
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
  std::unordered_map<std::string, size_t> per_address_;  // idle_ entries by address
  std::vector<char> peek_;                               // ready()'s view of a waiting request
  SteadyTime accept_paused_until_{};
  bool accept_paused_ = false;
  std::thread thread_;
};

}  // namespace agentry::server
