// Rendered documents of finished and waiting jobs, for GET /api/v1/jobs/{id}.
//
// A finished job never changes again; it can only be deleted. Its document
// carries the whole result and execution log, so rendering it means reading
// and parsing the largest columns and serialising them again (~0.3 ms for a
// `full` plan). A waiting job changes only when something happens to it,
// which raises its event_seq, and when the jobs ahead of it move, which only
// its queue_position shows. Frontends poll both, so the rendered text is kept
// here with the version it shows and served after one primary-key lookup
// (JobStore::version_of) that confirms the job still stands there; a waiting
// job's text gets the current queue position put in. A running job's
// progress can change without an event, so running jobs are always read.
//
// Thread-safe. Bounded by the bytes of text held; the least recently used
// document goes first.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "runtime/jobs/store.h"

namespace agentry::server {

class JobDocuments {
 public:
  struct Document {
    std::string owner;  // who may see it (a client token only its own jobs)
    std::shared_ptr<const std::string> text;
    jobs::JobVersion version;  // what it shows
    // A waiting job's queue_position number: where it sits in text.
    size_t position_at = 0;
    size_t position_length = 0;

    // The document for `now`, or none when the job has moved on since.
    std::optional<std::string> render(const jobs::JobVersion& now) const;
  };

  explicit JobDocuments(size_t max_bytes) : max_bytes_(max_bytes) {}
  JobDocuments(const JobDocuments&) = delete;
  JobDocuments& operator=(const JobDocuments&) = delete;

  // Whether a plain GET's document of a job in `status` may be kept.
  static bool keeps(jobs::JobStatus status);

  std::optional<Document> find(const std::string& id);
  // `document`: the plain GET body of `job`, as sent. Does nothing for a
  // running job, or a document larger than an eighth of the budget.
  void remember(const jobs::Job& job, std::shared_ptr<const std::string> document);
  void forget(const std::string& id);
  size_t bytes() const;

 private:
  struct Entry {
    std::string id;
    Document document;
  };
  using Order = std::list<Entry>;  // most recently used first

  // Drops one kept document; the caller holds mutex_.
  void drop(Order::iterator entry);

  const size_t max_bytes_;
  mutable std::mutex mutex_;
  Order order_;
  std::unordered_map<std::string, Order::iterator> by_id_;
  size_t bytes_ = 0;
};

}  // namespace agentry::server
