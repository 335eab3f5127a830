// A fixed-size pool of database connections shared by all threads of a
// process. acquire() waits for a free connection (Poco's SessionPool throws
// instead); connections are opened lazily, and when one breaks, it and every
// idle one are closed and reopened on demand.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs::sql {

class ConnectionPool {
 public:
  using Factory = std::function<std::unique_ptr<Connection>()>;

  ConnectionPool(Factory factory, int size, std::chrono::milliseconds acquire_timeout);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection borrowed for one unit of work; returned to the pool on
  // destruction (or dropped, when it is no longer healthy).
  class Borrowed {
   public:
    Borrowed(ConnectionPool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
    Borrowed(Borrowed&&) noexcept = default;
    Borrowed& operator=(Borrowed&&) = delete;
    ~Borrowed();
    Connection& operator*() const { return *c_; }
    Connection* operator->() const { return c_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> c_;
  };

  // Throws StoreError when no connection frees up within the acquire timeout,
  // or the factory's error when a new connection cannot be opened.
  Borrowed acquire();

 private:
  void give_back(std::unique_ptr<Connection> c);

  Factory factory_;
  const int size_;
  const std::chrono::milliseconds acquire_timeout_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle + borrowed
};

}  // namespace agentry::jobs::sql
