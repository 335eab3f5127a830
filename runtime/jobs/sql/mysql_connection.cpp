#include "runtime/jobs/sql/mysql_connection.h"

#include <mysql.h>

#include <algorithm>
#include <mutex>
#include <utility>

namespace agentry::jobs::sql {
namespace {

// Server error codes and client codes (errmsg.h) the store reacts to.
constexpr unsigned kDuplicateEntry = 1062;
constexpr unsigned kLockWaitTimeout = 1205;
constexpr unsigned kDeadlock = 1213;
constexpr unsigned kServerGone = 2006;
constexpr unsigned kServerLost = 2013;
constexpr unsigned kLostAtHandshake = 2055;   // lost connection at 'reading initial packet' and the like
constexpr unsigned kConnectionKilled = 1927;  // MariaDB: KILL CONNECTION from another session
constexpr unsigned kServerShutdown = 1053;    // a statement that met the server's shutdown
// Connecting: only these say the settings are wrong rather than the server away.
constexpr unsigned kDbAccessDenied = 1044;
constexpr unsigned kAccessDenied = 1045;
constexpr unsigned kUnknownDatabase = 1049;

Failure classify(unsigned code) {
  switch (code) {
    case kDuplicateEntry: return Failure::duplicate_key;
    case kLockWaitTimeout:
    case kDeadlock: return Failure::retry;
    case kServerGone:
    case kServerLost:
    case kLostAtHandshake:
    case kConnectionKilled:
    case kServerShutdown: return Failure::connection_lost;
    default: return Failure::other;
  }
}

class MysqlConnection final : public Connection {
 public:
  MysqlConnection(const MysqlAddress& a, std::chrono::milliseconds connect_timeout) {
    // mysql_library_init is not thread-safe; mysql_init calls it on first use.
    static std::once_flag init;
    std::call_once(init, [] { mysql_library_init(0, nullptr, nullptr); });
    db_.reset(mysql_init(nullptr));
    if (!db_) throw StoreError("MySQL: out of memory creating a connection");
    const unsigned timeout_s = static_cast<unsigned>((connect_timeout.count() + 999) / 1000);
    mysql_options(db_.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s);
    // A server that accepts but never answers (frozen, partitioned) fails
    // the call after this long instead of holding a worker forever. Every
    // statement of ours is short; none comes near it.
    const unsigned io_timeout_s = 20;
    mysql_options(db_.get(), MYSQL_OPT_READ_TIMEOUT, &io_timeout_s);
    mysql_options(db_.get(), MYSQL_OPT_WRITE_TIMEOUT, &io_timeout_s);
    // The server default may be latin1 or 3-byte utf8; emoji need utf8mb4.
    mysql_options(db_.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const bool socket = !a.socket.empty();
    if (!mysql_real_connect(db_.get(), socket ? nullptr : a.host.c_str(), a.user.c_str(), a.password.c_str(),
                            a.database.c_str(), socket ? 0 : a.port, socket ? a.socket.c_str() : nullptr,
                            CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS)) {
      const std::string where = socket ? a.socket : a.host + ":" + std::to_string(a.port);
      const std::string message = "cannot connect to MySQL at " + where + " as '" + a.user + "' (database '" +
                                  a.database + "'): " + mysql_error(db_.get()) +
                                  " (check AGENTRY_DB and that the server is running)";
      const unsigned code = mysql_errno(db_.get());
      if (code == kDbAccessDenied || code == kAccessDenied || code == kUnknownDatabase) throw StoreError(message);
      throw StoreUnavailable(message);
    }
    // Claims lock rows with FOR UPDATE SKIP LOCKED; READ COMMITTED keeps those
    // locks to the rows actually claimed instead of gap locks on the index.
    execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", {});
    execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'", {});
  }

  Backend backend() const override { return Backend::mysql; }

  Rows query(std::string_view sql, const Params& params) override {
    run(sql, text_of(sql, params));
    struct ResultDeleter {
      void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
    };
    std::unique_ptr<MYSQL_RES, ResultDeleter> res(mysql_store_result(db_.get()));
    Rows rows;
    if (!res) {
      if (mysql_field_count(db_.get()) != 0) fail(sql);
      return rows;
    }
    const unsigned n = mysql_num_fields(res.get());
    while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
      const unsigned long* lengths = mysql_fetch_lengths(res.get());
      std::vector<std::optional<std::string>> cols;
      cols.reserve(n);
      for (unsigned i = 0; i < n; ++i) {
        if (row[i])
          cols.emplace_back(std::string(row[i], lengths[i]));
        else
          cols.emplace_back();
      }
      rows.emplace_back(std::move(cols));
    }
    return rows;
  }

  int64_t execute(std::string_view sql, const Params& params) override {
    run(sql, text_of(sql, params));
    return static_cast<int64_t>(mysql_affected_rows(db_.get()));
  }

  std::vector<int64_t> execute_batch(const std::vector<Statement>& statements) override {
    return run_batch(statements, false);
  }

  std::vector<int64_t> execute_batch_and_commit(const std::vector<Statement>& statements) override {
    return run_batch(statements, true);
  }

  void begin() override { transaction_ = Transaction::pending; }
  void commit() override {
    // Pending: nothing ran, nothing to commit.
    if (std::exchange(transaction_, Transaction::none) == Transaction::open) run("COMMIT", "COMMIT");
  }
  void rollback() noexcept override {
    if (std::exchange(transaction_, Transaction::none) == Transaction::open && healthy_)
      mysql_real_query(db_.get(), "ROLLBACK", 8);
  }
  bool healthy() const override { return healthy_; }

 private:
  // Substitutes each `?` with an escaped literal. Our statements never hold a
  // `?` inside a string literal, so a plain scan is exact.
  std::string bind(std::string_view sql, const Params& params) {
    const size_t placeholders = static_cast<size_t>(std::count(sql.begin(), sql.end(), '?'));
    if (placeholders != params.size())
      throw StoreError("internal: statement expects " + std::to_string(placeholders) + " parameters, got " +
                       std::to_string(params.size()) + ": " + std::string(sql));
    std::string out;
    size_t reserve = sql.size();
    for (const auto& p : params)
      if (const auto* s = std::get_if<std::string>(&p)) reserve += 2 * s->size() + 3;
    out.reserve(reserve);
    size_t next = 0;
    for (char ch : sql) {
      if (ch != '?') {
        out.push_back(ch);
        continue;
      }
      const Value& v = params[next++];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        out += "NULL";
      } else if (const auto* n = std::get_if<int64_t>(&v)) {
        out += std::to_string(*n);
      } else {
        const auto& s = std::get<std::string>(v);
        const size_t at = out.size();
        out.resize(at + 2 * s.size() + 1);
        out[at] = '\'';
        const unsigned long len = mysql_real_escape_string(db_.get(), out.data() + at + 1, s.data(), s.size());
        out.resize(at + 1 + len);
        out.push_back('\'');
      }
    }
    return out;
  }

  std::string text_of(std::string_view sql, const Params& params) {
    return params.empty() ? std::string(sql) : bind(sql, params);
  }

  // Sends `text` (`sql` names it in errors), with a START TRANSACTION that
  // begin() left pending in front of it: one round trip for both.
  void run(std::string_view sql, std::string text) {
    const bool begins = transaction_ == Transaction::pending;
    if (begins) {
      text.insert(0, "START TRANSACTION;");
      transaction_ = Transaction::open;
    }
    if (mysql_real_query(db_.get(), text.data(), text.size()) != 0) fail(begins ? "START TRANSACTION" : sql);
    if (begins && mysql_next_result(db_.get()) != 0) fail(sql);
  }

  // The statements joined into one query, and a COMMIT after them if asked.
  std::vector<int64_t> run_batch(const std::vector<Statement>& statements, bool commits) {
    std::vector<int64_t> matched;
    if (statements.empty()) {
      if (commits) commit();
      return matched;
    }
    std::string text;
    for (const auto& s : statements) {
      if (!text.empty()) text += ';';
      text += text_of(s.sql, s.params);
    }
    if (commits) text += ";COMMIT";
    matched.reserve(statements.size());
    try {
      run(statements.front().sql, text);
      for (size_t i = 0;; ++i) {
        discard_result(statements[i].sql);
        matched.push_back(static_cast<int64_t>(mysql_affected_rows(db_.get())));
        if (i + 1 == statements.size()) break;
        if (mysql_next_result(db_.get()) != 0) fail(statements[i + 1].sql);
      }
      if (commits) {
        if (mysql_next_result(db_.get()) != 0) fail("COMMIT");
        transaction_ = Transaction::none;
      }
    } catch (const SqlError& e) {
      // Whether the COMMIT sent with a batch ran is unknown then.
      if (commits && e.failure() == Failure::connection_lost)
        throw BatchError(SqlError(Failure::commit_unknown, std::string(e.what()) + " (its COMMIT may have run)"),
                         std::move(matched));
      throw BatchError(e, std::move(matched));
    }
    return matched;
  }

  // A statement of a batch that returned rows (none of ours do) must still
  // have them read before the next result.
  void discard_result(std::string_view sql) {
    if (mysql_field_count(db_.get()) == 0) return;
    MYSQL_RES* res = mysql_store_result(db_.get());
    if (!res) fail(sql);
    mysql_free_result(res);
  }

  [[noreturn]] void fail(std::string_view sql) {
    const unsigned code = mysql_errno(db_.get());
    const Failure failure = classify(code);
    // Client-side errors (2000..2999) leave the handle in an unknown state.
    if (failure == Failure::connection_lost || (code >= 2000 && code < 3000)) healthy_ = false;
    throw SqlError(failure, "MySQL error " + std::to_string(code) + ": " + mysql_error(db_.get()) +
                                " in: " + std::string(sql.substr(0, 200)));
  }

  struct Closer {
    void operator()(MYSQL* db) const { mysql_close(db); }
  };
  std::unique_ptr<MYSQL, Closer> db_;
  bool healthy_ = true;
  // pending: begin() was called, START TRANSACTION not sent yet.
  enum class Transaction { none, pending, open } transaction_ = Transaction::none;
};

}  // namespace

std::unique_ptr<Connection> open_mysql(const MysqlAddress& address, std::chrono::milliseconds connect_timeout) {
  return std::make_unique<MysqlConnection>(address, connect_timeout);
}

}  // namespace agentry::jobs::sql
