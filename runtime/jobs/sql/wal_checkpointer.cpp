#include "runtime/jobs/sql/wal_checkpointer.h"

#include <spdlog/spdlog.h>

#include "runtime/metrics/cpu_by_part.h"

namespace agentry::jobs::sql {

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> connection, std::chrono::milliseconds interval)
    : connection_(std::move(connection)), interval_(interval), thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int64_t WalCheckpointer::checkpoints() const {
  std::lock_guard lock(mutex_);
  return checkpoints_;
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [&] { return stopping_; });
    lock.unlock();
    checkpoint();
    lock.lock();
  }
}

void WalCheckpointer::checkpoint() {
  metrics::CpuScope cpu(metrics::CpuPart::store);
  try {
    // One row: busy flag, pages in the log, pages copied back (-1, -1 when
    // the database is not in WAL mode).
    const auto rows = connection_->query("PRAGMA wal_checkpoint(PASSIVE)");
    if (rows.empty()) return;
    if (rows.front().integer(2) <= 0) return;
    std::lock_guard lock(mutex_);
    ++checkpoints_;
  } catch (const std::exception& e) {
    // Another process checkpointing, a full disk: the next round tries again,
    // and the log keeps every commit until then.
    spdlog::debug("SQLite checkpoint: {}", e.what());
  }
}

}  // namespace agentry::jobs::sql
