#include "server/http/sse_hub.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <spdlog/spdlog.h>

#include "server/http/reply.h"

namespace agentry::server {
namespace {

using nlohmann::json;

// Events read per store query; a stream with more waiting polls again at once.
constexpr int kEventBatch = 500;
// While a stream has unsent output the hub retries this often.
constexpr std::chrono::milliseconds kFlushRetry{20};

json progress_data(const jobs::Job& job) {
  return {{"status", jobs::to_string(job.status)},
          {"queue_position", job.queue_position ? json(*job.queue_position) : json(nullptr)},
          {"progress", job.progress}};
}

}  // namespace

std::string sse_message(const std::string& id, const std::string& event, const std::string& data) {
  std::string name = event;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  std::string out;
  out.reserve(data.size() + name.size() + 32);
  if (!id.empty()) out += "id: " + id + "\n";
  out += "event: " + name + "\ndata: " + data + "\n\n";
  return out;
}

struct SseHub::Stream {
  Poco::Net::StreamSocket socket;
  std::string job_id;
  int64_t last_seq = 0;
  std::string out;
  size_t sent = 0;  // bytes of `out` already written
  SteadyTime next_poll{};
  SteadyTime next_state{};
  SteadyTime last_write{};
  std::optional<json> last_progress;
  bool ending = false;  // the last message is queued; close once it is written
  bool closed = false;
  bool store_failing = false;  // logged once per outage, not every poll

  size_t pending() const { return out.size() - sent; }
  int fd() const { return socket.impl()->sockfd(); }
};

SseHub::Slot::~Slot() {
  if (hub_) hub_->release();
}

SseHub::SseHub(jobs::JobStore& store, SseOptions options, Metrics& metrics)
    : store_(store), options_(options), metrics_(metrics) {}

SseHub::~SseHub() { stop(); }

void SseHub::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void SseHub::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  for (auto& s : incoming_) streams_.push_back(std::move(s));
  incoming_.clear();
  for (auto& s : streams_) close(*s);
  streams_.clear();
}

std::optional<SseHub::Slot> SseHub::reserve() {
  int open = open_.load();
  do {
    if (open >= options_.max_streams) return std::nullopt;
  } while (!open_.compare_exchange_weak(open, open + 1));
  metrics_.set_sse_streams(open + 1);
  return Slot(this);
}

void SseHub::release() { metrics_.set_sse_streams(--open_); }

void SseHub::add(Slot slot, Poco::Net::StreamSocket socket, std::string job_id, int64_t last_seq,
                 std::string preamble) {
  auto stream = std::make_unique<Stream>();
  stream->socket = std::move(socket);
  stream->job_id = std::move(job_id);
  stream->last_seq = last_seq;
  stream->last_write = std::chrono::steady_clock::now();
  // Browsers reconnect this long after a dropped stream, sending Last-Event-ID.
  stream->out = std::move(preamble) + "retry: 2000\n\n";
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      stream->socket.close();
      return;  // the slot gives its place back
    }
    slot.hub_ = nullptr;  // the stream holds the place until it closes
    incoming_.push_back(std::move(stream));
  }
  wake_.notify_all();
}

void SseHub::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    for (auto& s : incoming_) streams_.push_back(std::move(s));
    incoming_.clear();
    lock.unlock();
    const SteadyTime next = service(std::chrono::steady_clock::now());
    lock.lock();
    wake_.wait_until(lock, next, [&] { return stopping_ || !incoming_.empty(); });
  }
}

SseHub::SteadyTime SseHub::service(SteadyTime now) {
  SteadyTime next = now + options_.poll_interval;
  for (auto& sp : streams_) {
    Stream& s = *sp;
    // SSE clients send nothing after the request: readable means closed
    // (recv 0) or a reset; stray bytes are read and dropped.
    char scratch[512];
    for (int i = 0; i < 8 && !s.closed; ++i) {
      const auto n = ::recv(s.fd(), scratch, sizeof scratch, MSG_DONTWAIT);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      s.closed = true;
    }
    if (s.closed) continue;
    if (!s.ending && now >= s.next_poll) poll(s, now);
    if (!s.ending && s.pending() == 0 && now - s.last_write >= options_.heartbeat) s.out += ": ping\n\n";
    flush(s, now);
    if (s.ending && s.pending() == 0) s.closed = true;
    if (s.closed) continue;
    next = std::min(next, s.pending() > 0 ? now + kFlushRetry : s.next_poll);
  }
  for (auto& sp : streams_)
    if (sp->closed) close(*sp);
  std::erase_if(streams_, [](const auto& sp) { return sp->closed; });
  return std::max(next, now + std::chrono::milliseconds(1));
}

void SseHub::poll(Stream& s, SteadyTime now) {
  s.next_poll = now + options_.poll_interval;
  auto append_events = [&s](const std::vector<jobs::Event>& events) {
    for (const auto& e : events) {
      s.out += sse_message(std::to_string(e.seq), e.event, dump(json(e)));
      s.last_seq = std::max(s.last_seq, e.seq);
    }
  };
  try {
    const auto events = store_.events_after(s.job_id, s.last_seq, kEventBatch);
    s.store_failing = false;
    if (events.size() == static_cast<size_t>(kEventBatch)) s.next_poll = now;
    append_events(events);
    if (events.empty() && now < s.next_state) return;
    s.next_state = now + options_.state_refresh;
    const auto job = store_.get_state(s.job_id);
    if (!job) {
      s.out += sse_message("", "deleted", dump(json{{"id", s.job_id}}));
      s.ending = true;
      return;
    }
    if (auto progress = progress_data(*job); !s.last_progress || *s.last_progress != progress) {
      s.out += sse_message("", "progress", dump(progress));
      s.last_progress = std::move(progress);
    }
    if (!jobs::is_finished(job->status)) return;
    // Read after the final status: events written before it are all there.
    for (auto rest = store_.events_after(s.job_id, s.last_seq, kEventBatch); !rest.empty();
         rest = store_.events_after(s.job_id, s.last_seq, kEventBatch))
      append_events(rest);
    // The one full read of the stream: the final document carries the whole log.
    const auto final_job = store_.get(s.job_id);
    s.out += sse_message("", "end", dump(jobs::job_document(final_job ? *final_job : *job)));
    s.ending = true;
  } catch (const std::exception& e) {
    // The store is down or slow: the stream stays open and tries again.
    if (!std::exchange(s.store_failing, true)) spdlog::warn("events stream for job {}: {}", s.job_id, e.what());
  }
}

void SseHub::flush(Stream& s, SteadyTime now) {
  if (s.closed) return;
  while (s.pending() > 0) {
    const auto n = ::send(s.fd(), s.out.data() + s.sent, s.pending(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      s.sent += static_cast<size_t>(n);
      s.last_write = now;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    s.closed = true;
    return;
  }
  if (s.pending() == 0) {
    s.out.clear();
    s.sent = 0;
  } else if (now - s.last_write > options_.stall_timeout || (s.pending() > options_.max_buffered_bytes && !s.ending)) {
    spdlog::info("events stream for job {}: client stopped reading; closing", s.job_id);
    s.closed = true;
  }
}

void SseHub::close(Stream& s) {
  try {
    s.socket.shutdown();
  } catch (const std::exception&) {
    // Already reset by the peer: closing is all that is left.
  }
  s.socket.close();
  release();
}

}  // namespace agentry::server
