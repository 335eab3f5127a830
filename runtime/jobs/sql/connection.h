// The one interface between the job store and a database: a connection that
// runs parameterised SQL (`?` placeholders) and returns rows of nullable text.
// Implemented over the SQLite and MariaDB C libraries directly, because Poco
// 1.11's MySQL connector corrupts LONGTEXT, crashes on LONGBLOB and spends
// ~40 ms allocating per MEDIUMTEXT read (measured; runtime/jobs/README.md).
//
// Not thread-safe: a connection belongs to one thread at a time (the pool
// hands it out).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/jobs/store.h"

namespace agentry::jobs::sql {

enum class Backend { sqlite, mysql };

// A bound parameter.
using Value = std::variant<std::nullptr_t, int64_t, std::string>;
using Params = std::vector<Value>;

inline Value nullable(const std::optional<std::string>& s) { return s ? Value(*s) : Value(nullptr); }
inline Value ms(TimePoint t) { return static_cast<int64_t>(t.time_since_epoch().count()); }

class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> columns) : columns_(std::move(columns)) {}
  bool is_null(size_t i) const { return !columns_.at(i).has_value(); }
  // The column's text; "" when NULL.
  const std::string& text(size_t i) const;
  // The column as an integer; 0 when NULL.
  int64_t integer(size_t i) const;
  std::optional<int64_t> optional_integer(size_t i) const;
  std::optional<std::string> optional_text(size_t i) const { return columns_.at(i); }
  std::optional<TimePoint> optional_time(size_t i) const;
  TimePoint time(size_t i) const { return TimePoint(std::chrono::milliseconds(integer(i))); }

 private:
  std::vector<std::optional<std::string>> columns_;
};
using Rows = std::vector<Row>;

// What the store does about a failed statement.
enum class Failure {
  other,            // report it
  retry,            // deadlock, lock wait timeout, busy: the transaction was rolled back; run it again
  connection_lost,  // the server closed an idle connection (2006/2013): reconnect, run it again
  commit_unknown,   // the connection was lost while a COMMIT may have run: not to be run again blindly
  duplicate_key,    // a unique key (idempotency key) already exists
};

class SqlError : public StoreError {
 public:
  SqlError(Failure failure, const std::string& message) : StoreError(message), failure_(failure) {}
  Failure failure() const { return failure_; }

 private:
  Failure failure_;
};

// A statement of a batch failed; the ones before it ran.
class BatchError : public SqlError {
 public:
  BatchError(const SqlError& e, std::vector<int64_t> matched) : SqlError(e), matched_(std::move(matched)) {}
  // What each statement before the failed one matched.
  const std::vector<int64_t>& matched() const { return matched_; }

 private:
  std::vector<int64_t> matched_;
};

// One statement of a batch (Connection::execute_batch).
struct Statement {
  std::string_view sql;
  Params params;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Backend backend() const = 0;
  virtual Rows query(std::string_view sql, const Params& params = {}) = 0;
  // Returns the rows the statement matched (not only those it changed), so a
  // fenced UPDATE that matches reports 1 even when no value changed.
  virtual int64_t execute(std::string_view sql, const Params& params = {}) = 0;
  // Runs writes in order and returns what each matched, as execute() would;
  // the first failure throws BatchError. MySQL sends them in one round trip,
  // where each statement on its own would wait for the last one's answer.
  virtual std::vector<int64_t> execute_batch(const std::vector<Statement>& statements) {
    std::vector<int64_t> matched;
    matched.reserve(statements.size());
    try {
      for (const auto& s : statements) matched.push_back(execute(s.sql, s.params));
    } catch (const SqlError& e) {
      throw BatchError(e, std::move(matched));
    }
    return matched;
  }
  // Runs writes as execute_batch() does, then commits: one round trip for
  // all on MySQL. For writes that are right to commit whatever the statements
  // matched; after it commit() and rollback() have nothing left to do.
  virtual std::vector<int64_t> execute_batch_and_commit(const std::vector<Statement>& statements) {
    auto matched = execute_batch(statements);
    commit();
    return matched;
  }
  // Starts a write transaction. SQLite takes its write lock up front (BEGIN
  // IMMEDIATE), so read-then-write transactions do not fail with SQLITE_BUSY
  // midway as Poco's BEGIN DEFERRED would. MySQL sends its START TRANSACTION
  // together with the transaction's first statement.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // Brackets a unit of reads that should see one snapshot. SQLite opens a read
  // transaction, so a GET job's five statements start one read instead of five
  // (each start re-validates the WAL and the page cache); MySQL reads stay in
  // autocommit, where a snapshot would cost two more round trips.
  virtual void begin_read() {}
  virtual void end_read() noexcept {}
  // False once the connection failed in a way that makes it unusable.
  virtual bool healthy() const = 0;
};

}  // namespace agentry::jobs::sql
