// A Connection over one sqlite3 handle: WAL journal (readers never wait for
// the writer), a busy timeout for other processes' write locks, and prepared
// statements cached by their SQL text.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs::sql {

std::unique_ptr<Connection> open_sqlite(const std::string& path, std::chrono::milliseconds busy_timeout);

}  // namespace agentry::jobs::sql
