#include "runtime/jobs/sql/sqlite_connection.h"

#include <sqlite3.h>

#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace agentry::jobs::sql {
namespace {

Failure classify(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Failure::retry;
    case SQLITE_CONSTRAINT:
      return (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) ? Failure::duplicate_key
                                                                                        : Failure::other;
    default: return Failure::other;
  }
}

// One writer at a time per database file within this process. A second
// BEGIN IMMEDIATE that finds SQLite's write lock taken sleeps in the busy
// handler (1, 2, 5, 10 ms ...) however soon the lock frees; with dozens of job
// threads checkpointing in bursts those sleeps cost more than the commits. A
// mutex hands the lock over with one futex wake. Other processes on the same
// file still meet the busy handler.
std::shared_ptr<std::mutex> writer_mutex_for(const std::string& path) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::weak_ptr<std::mutex>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[path];
  auto writer = slot.lock();
  if (!writer) slot = writer = std::make_shared<std::mutex>();
  return writer;
}

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::string& path, std::chrono::milliseconds busy_timeout)
      : path_(path), writer_(writer_mutex_for(path)) {
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK)
      throw StoreError("cannot open SQLite database " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) +
                       " (check that the directory exists and is writable, or set AGENTRY_DB)");
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
    // WAL lets API reads proceed while a worker writes; NORMAL sync keeps every
    // commit through a process crash (only an OS crash may lose the last ones).
    query("PRAGMA journal_mode=WAL", {});
    execute("PRAGMA synchronous=NORMAL", {});
  }

  Backend backend() const override { return Backend::sqlite; }

  Rows query(std::string_view sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql, params);
    Rows rows;
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(rc, sql);
      const int n = sqlite3_column_count(st);
      std::vector<std::optional<std::string>> cols;
      cols.reserve(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(st, i) == SQLITE_NULL) {
          cols.emplace_back();
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
          cols.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(st, i))));
        }
      }
      rows.emplace_back(std::move(cols));
    }
    sqlite3_reset(st);
    return rows;
  }

  int64_t execute(std::string_view sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql, params);
    for (int rc = sqlite3_step(st); rc != SQLITE_DONE; rc = sqlite3_step(st))
      if (rc != SQLITE_ROW) fail(rc, sql);
    sqlite3_reset(st);
    return sqlite3_changes(db_.get());
  }

  void begin() override {
    writing_ = std::unique_lock(*writer_);
    try {
      execute("BEGIN IMMEDIATE", {});
    } catch (...) {
      writing_.unlock();
      throw;
    }
  }
  void commit() override {
    // When COMMIT throws, the caller's rollback() lets go of the writer lock.
    if (!sqlite3_get_autocommit(db_.get())) execute("COMMIT", {});
    if (writing_.owns_lock()) writing_.unlock();
  }
  void rollback() noexcept override {
    if (!sqlite3_get_autocommit(db_.get())) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    if (writing_.owns_lock()) writing_.unlock();
  }
  void begin_read() override { execute("BEGIN", {}); }
  void end_read() noexcept override {
    try {
      execute("COMMIT", {});  // a prepared statement, unlike rollback()'s sqlite3_exec
    } catch (const SqlError&) {
      rollback();
    }
  }
  bool healthy() const override { return true; }

 private:
  sqlite3_stmt* prepare(std::string_view sql, const Params& params) {
    auto it = cache_.find(std::string(sql));
    if (it == cache_.end()) {
      sqlite3_stmt* raw = nullptr;
      const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                        &raw, nullptr);
      StatementPtr st(raw);
      if (rc != SQLITE_OK) fail(rc, sql);
      it = cache_.emplace(std::string(sql), std::move(st)).first;
    }
    sqlite3_stmt* st = it->second.get();
    sqlite3_clear_bindings(st);
    if (static_cast<size_t>(sqlite3_bind_parameter_count(st)) != params.size())
      throw StoreError("internal: statement expects " + std::to_string(sqlite3_bind_parameter_count(st)) +
                       " parameters, got " + std::to_string(params.size()) + ": " + std::string(sql));
    for (size_t i = 0; i < params.size(); ++i) {
      const int pos = static_cast<int>(i) + 1;
      const Value& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(v))
        rc = sqlite3_bind_null(st, pos);
      else if (const auto* n = std::get_if<int64_t>(&v))
        rc = sqlite3_bind_int64(st, pos, *n);
      else {
        const auto& s = std::get<std::string>(v);
        // SQLITE_STATIC: the caller's params outlive the statement's execution.
        rc = sqlite3_bind_text64(st, pos, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) fail(rc, sql);
    }
    return st;
  }

  [[noreturn]] void fail(int rc, std::string_view sql) {
    const std::string message = sqlite3_errmsg(db_.get());
    for (auto& [text, st] : cache_) sqlite3_reset(st.get());
    throw SqlError(classify(rc), "SQLite (" + path_ + "): " + message + " in: " + std::string(sql.substr(0, 200)));
  }

  struct DbDeleter {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::string path_;
  std::shared_ptr<std::mutex> writer_;    // shared by this process's connections to path_
  std::unique_lock<std::mutex> writing_;  // held from begin() to commit() or rollback()
  // Declared after the writer lock, so the handle closes (ending an open
  // transaction) before the lock is released.
  std::unique_ptr<sqlite3, DbDeleter> db_;
  // Declared after db_ so statements are finalized before the handle closes.
  std::unordered_map<std::string, StatementPtr> cache_;
};

}  // namespace

std::unique_ptr<Connection> open_sqlite(const std::string& path, std::chrono::milliseconds busy_timeout) {
  // SQLite's allocation statistics take one process-wide mutex on every
  // malloc; with API threads and workers on their own connections that mutex
  // was the busiest lock of a GET-heavy load. Must precede the first open.
  static const bool configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)configured;
  return std::make_unique<SqliteConnection>(path, busy_timeout);
}

}  // namespace agentry::jobs::sql
