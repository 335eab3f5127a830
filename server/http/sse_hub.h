// Server-Sent Events for GET /api/v1/jobs/{id}/events without a thread per
// stream. The route checks the request, reserves a slot and hands the raw
// socket over; one hub thread then polls the store for every open stream
// (every ~250 ms: events after the last one sent, and the job's state when
// something happened or once a second), writes with non-blocking sends,
// sends a `: ping` comment when a stream has been quiet for 15 s, and closes
// a stream when its job has finished (after an `end` event), when the client
// goes away, or when the client stops reading. So Poco's pool threads stay
// free for the requests that poll, however long the streams last.
//
// Thread-safe: reserve() and add() are called from handler threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/Net/StreamSocket.h>

#include "runtime/jobs/store.h"
#include "server/http/metrics.h"

namespace agentry::server {

struct SseOptions {
  // Streams open at once; one more is refused (503) rather than queued.
  int max_streams = 32;
  // How often each stream asks the store for new events.
  std::chrono::milliseconds poll_interval{250};
  // How often a stream re-reads its job when no event arrived (progress
  // reported without an event, deletion).
  std::chrono::milliseconds state_refresh{1000};
  // A comment line after this much silence keeps proxies from closing the stream.
  std::chrono::milliseconds heartbeat{15'000};
  // A client that accepts no byte for this long, or lets this much output
  // pile up, is disconnected.
  std::chrono::milliseconds stall_timeout{30'000};
  size_t max_buffered_bytes = 16u << 20;
};

class SseHub {
 public:
  // A reserved place for one stream; gives it back when dropped unused.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : hub_(std::exchange(other.hub_, nullptr)) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class SseHub;
    explicit Slot(SseHub* hub) : hub_(hub) {}
    SseHub* hub_;
  };

  SseHub(jobs::JobStore& store, SseOptions options, Metrics& metrics);
  ~SseHub();
  SseHub(const SseHub&) = delete;
  SseHub& operator=(const SseHub&) = delete;

  void start();
  // Closes every stream and joins the hub thread. Idempotent.
  void stop();

  // A slot, or nothing when max_streams streams are open or reserved.
  std::optional<Slot> reserve();
  // Takes over `socket`: sends `preamble` (status line and headers, already
  // formatted), then the job's events with seq > last_seq, progress and end.
  void add(Slot slot, Poco::Net::StreamSocket socket, std::string job_id, int64_t last_seq, std::string preamble);

  // Streams open or reserved.
  int open_streams() const { return open_.load(); }

 private:
  struct Stream;
  using SteadyTime = std::chrono::steady_clock::time_point;

  void release();
  void run();
  SteadyTime service(SteadyTime now);
  void poll(Stream& s, SteadyTime now);
  void flush(Stream& s, SteadyTime now);
  void close(Stream& s);

  jobs::JobStore& store_;
  SseOptions options_;
  Metrics& metrics_;
  std::atomic<int> open_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<Stream>> incoming_;
  std::vector<std::unique_ptr<Stream>> streams_;  // hub thread only
  std::thread thread_;
};

// One SSE message: "id: <id>\nevent: <event>\ndata: <data>\n\n"; no id line
// when `id` is empty. Line breaks in `event` become spaces.
std::string sse_message(const std::string& id, const std::string& event, const std::string& data);

}  // namespace agentry::server
