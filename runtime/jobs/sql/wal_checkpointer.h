// Copies SQLite's write-ahead log back into the database file on a thread of
// its own. Left to SQLite, the commit that takes the log past 1,000 pages runs
// the checkpoint, and its fsync, before it returns: at 100 creates/s that
// commit was the p99 and the maximum of POST /api/v1/jobs (tools/bench/run,
// submit scenario). The store's connections turn automatic checkpoints off;
// this thread runs a PASSIVE checkpoint, which waits for no reader or writer,
// every `interval`, and one last time when it stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs::sql {

class WalCheckpointer {
 public:
  WalCheckpointer(std::unique_ptr<Connection> connection, std::chrono::milliseconds interval);
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;
  ~WalCheckpointer();

  // Rounds that copied pages into the database file (for tests).
  int64_t checkpoints() const;

 private:
  void run();
  void checkpoint();

  std::unique_ptr<Connection> connection_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int64_t checkpoints_ = 0;
  std::thread thread_;  // last: starts after everything it uses
};

}  // namespace agentry::jobs::sql
