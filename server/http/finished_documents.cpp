#include "server/http/finished_documents.h"

namespace agentry::server {

std::optional<FinishedDocuments::Document> FinishedDocuments::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->document;
}

void FinishedDocuments::remember(const std::string& id, std::string owner, std::shared_ptr<const std::string> text) {
  const size_t size = text->size();
  if (size > max_bytes_ / 8) return;
  std::lock_guard lock(mutex_);
  if (const auto it = by_id_.find(id); it != by_id_.end()) {
    bytes_ -= it->second->document.text->size();
    order_.erase(it->second);
    by_id_.erase(it);
  }
  order_.push_front(Entry{id, Document{std::move(owner), std::move(text)}});
  by_id_.emplace(id, order_.begin());
  bytes_ += size;
  while (bytes_ > max_bytes_) {
    const Entry& last = order_.back();
    bytes_ -= last.document.text->size();
    by_id_.erase(last.id);
    order_.pop_back();
  }
}

void FinishedDocuments::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  bytes_ -= it->second->document.text->size();
  order_.erase(it->second);
  by_id_.erase(it);
}

size_t FinishedDocuments::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace agentry::server
