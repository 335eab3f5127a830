// A Connection over one libmariadb handle (MySQL 8 / MariaDB >= 10.6): utf8mb4,
// READ COMMITTED, and affected-rows meaning matched rows. Statements go over
// the text protocol with parameters escaped by the client library, so values
// of any size read back byte for byte.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs::sql {

struct MysqlAddress {
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string socket;  // used instead of host:port when set
  std::string user;
  std::string password;
  std::string database;
};

std::unique_ptr<Connection> open_mysql(const MysqlAddress& address, std::chrono::milliseconds connect_timeout);

}  // namespace agentry::jobs::sql
