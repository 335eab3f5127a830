#include "runtime/jobs/sql/connection_pool.h"

#include <string>

namespace agentry::jobs::sql {

ConnectionPool::ConnectionPool(Factory factory, int size, std::chrono::milliseconds acquire_timeout)
    : factory_(std::move(factory)), size_(size < 1 ? 1 : size), acquire_timeout_(acquire_timeout) {}

ConnectionPool::Borrowed::~Borrowed() {
  if (c_) pool_->give_back(std::move(c_));
}

ConnectionPool::Borrowed ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  if (!freed_.wait_for(lock, acquire_timeout_, [&] { return !idle_.empty() || open_ < size_; }))
    throw StoreUnavailable("all " + std::to_string(size_) + " database connections stayed busy for " +
                           std::to_string(acquire_timeout_.count()) + " ms; raise the store's pool_size");
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Borrowed(*this, std::move(c));
  }
  ++open_;
  lock.unlock();
  try {
    return Borrowed(*this, factory_());
  } catch (...) {
    lock.lock();
    --open_;
    freed_.notify_one();
    throw;
  }
}

void ConnectionPool::give_back(std::unique_ptr<Connection> c) {
  std::vector<std::unique_ptr<Connection>> dead;
  {
    std::lock_guard lock(mutex_);
    if (c->healthy()) {
      idle_.push_back(std::move(c));
      // One connection came back: one waiter can have it. Waking them all
      // made a queue of job threads all wake for every write.
      freed_.notify_one();
      return;
    }
    // One dead connection means the server restarted or dropped idle
    // clients: the other idle ones are most likely dead too, and a retry
    // should not burn its tries on them.
    dead.swap(idle_);
    open_ -= 1 + static_cast<int>(dead.size());
  }
  freed_.notify_all();
}

}  // namespace agentry::jobs::sql
