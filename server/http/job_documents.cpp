#include "server/http/job_documents.h"

#include <iterator>
#include <string_view>

namespace agentry::server {
namespace {

bool waits(jobs::JobStatus s) { return s == jobs::JobStatus::pending || s == jobs::JobStatus::queued; }

}  // namespace

bool JobDocuments::keeps(jobs::JobStatus status) { return jobs::is_finished(status) || waits(status); }

std::optional<std::string> JobDocuments::Document::render(const jobs::JobVersion& now) const {
  if (now.status != version.status) return std::nullopt;
  if (jobs::is_finished(now.status)) return *text;  // never changes again
  if (now.event_seq != version.event_seq || !now.queue_position) return std::nullopt;
  const std::string position = std::to_string(*now.queue_position);
  std::string out;
  out.reserve(text->size() + position.size());
  out.append(*text, 0, position_at).append(position).append(*text, position_at + position_length);
  return out;
}

void JobDocuments::remember(const jobs::Job& job, std::shared_ptr<const std::string> document) {
  if (!keeps(job.status)) return;
  const size_t size = document->size();
  if (size > max_bytes_ / 8) return;
  const int64_t event_seq = job.execution_log.empty() ? 0 : job.execution_log.back().seq;
  Document kept{job.owner, std::move(document), {job.status, event_seq, job.queue_position}};
  if (waits(job.status)) {
    // The key's last occurrence is the document's own: object keys are
    // sorted, and only "result" (null while waiting), "retry_count",
    // "script_version", "started_at", "status" and "usage" come after it.
    if (!job.queue_position) return;
    const std::string_view key = "\"queue_position\":";
    const std::string position = std::to_string(*job.queue_position);
    const size_t at = kept.text->rfind(key);
    if (at == std::string::npos || kept.text->compare(at + key.size(), position.size(), position) != 0) return;
    kept.position_at = at + key.size();
    kept.position_length = position.size();
  }
  std::lock_guard lock(mutex_);
  if (const auto it = by_id_.find(job.id); it != by_id_.end()) drop(it->second);
  order_.push_front(Entry{job.id, std::move(kept)});
  by_id_.emplace(job.id, order_.begin());
  bytes_ += size;
  while (bytes_ > max_bytes_) drop(std::prev(order_.end()));
}

void JobDocuments::drop(Order::iterator entry) {
  bytes_ -= entry->document.text->size();
  by_id_.erase(entry->id);
  order_.erase(entry);
}

std::optional<JobDocuments::Document> JobDocuments::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->document;
}

void JobDocuments::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (const auto it = by_id_.find(id); it != by_id_.end()) drop(it->second);
}

size_t JobDocuments::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace agentry::server
