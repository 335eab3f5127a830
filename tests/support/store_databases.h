// Real databases for tests that need a JobStore: a fresh SQLite file, or the
// test MariaDB started by tools/mariadb-test (or named by
// AGENTRY_TEST_MYSQL_URL) with the store's tables emptied.
#pragma once

#include <string>

namespace agentry::test {

// A new, empty SQLite file under the build directory.
std::string fresh_sqlite_url();

// The test MariaDB's URL, its agentry tables migrated and emptied. Starts the
// server with tools/mariadb-test on first use; throws when it cannot.
std::string fresh_mysql_url();

// Restarts the test MariaDB (every open connection dies); a no-op returning
// false when AGENTRY_TEST_MYSQL_URL names a server the tests did not start.
bool restart_test_mariadb();

}  // namespace agentry::test
