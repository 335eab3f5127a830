// Rendered documents of finished jobs, for GET /api/v1/jobs/{id}.
//
// A finished job never changes again; it can only be deleted. Its document
// carries the whole result and execution log, so rendering it means reading
// and parsing the largest columns and serialising them again (~0.3 ms for a
// `full` plan). Every frontend reads a finished job at least once more, and
// dashboards re-read them, so the rendered text is kept here and served after
// one primary-key lookup that confirms the job still exists (a delete by
// another process, or the TTL prune, is noticed there).
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

namespace agentry::server {

class FinishedDocuments {
 public:
  struct Document {
    std::string owner;  // who may see it (a client token only its own jobs)
    std::shared_ptr<const std::string> text;
  };

  explicit FinishedDocuments(size_t max_bytes) : max_bytes_(max_bytes) {}
  FinishedDocuments(const FinishedDocuments&) = delete;
  FinishedDocuments& operator=(const FinishedDocuments&) = delete;

  std::optional<Document> find(const std::string& id);
  // Documents larger than an eighth of the budget are not kept.
  void remember(const std::string& id, std::string owner, std::shared_ptr<const std::string> text);
  void forget(const std::string& id);
  size_t bytes() const;

 private:
  struct Entry {
    std::string id;
    Document document;
  };
  using Order = std::list<Entry>;  // most recently used first

  const size_t max_bytes_;
  mutable std::mutex mutex_;
  Order order_;
  std::unordered_map<std::string, Order::iterator> by_id_;
  size_t bytes_ = 0;
};

}  // namespace agentry::server
