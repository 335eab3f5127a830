// AGENTRY_DB / StoreOptions::url: which database, and where.
#pragma once

#include <string>

#include "runtime/jobs/sql/connection.h"
#include "runtime/jobs/sql/mysql_connection.h"

namespace agentry::jobs::sql {

struct DatabaseUrl {
  Backend backend = Backend::sqlite;
  std::string sqlite_path;  // backend == sqlite
  MysqlAddress mysql;       // backend == mysql
  std::string redacted;     // for logs: the URL without its password
};

// "sqlite:///abs/path.db", "sqlite:relative.db", "path/agentry.db",
// "mysql://user:password@host[:port]/database[?socket=/path]" ("mariadb://" too;
// percent-escape special characters in the password). Throws StoreError with
// the expected forms when the URL is neither.
DatabaseUrl parse_database_url(const std::string& url);

}  // namespace agentry::jobs::sql
