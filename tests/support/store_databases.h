// Real databases for tests that need a JobStore: a fresh SQLite file, or the
// test MariaDB with the store's tables emptied. tools/test starts that server
// and exports AGENTRY_TEST_MYSQL_URL, AGENTRY_MARIADB_TEST_SCRIPT and
// AGENTRY_MARIADB_TEST_DIR; run by hand, the tests start tools/mariadb-test.
#pragma once

#include <string>

namespace agentry::test {

// A new, empty SQLite file under the build directory.
std::string fresh_sqlite_url();

// The test MariaDB's URL, its agentry tables migrated and emptied. Starts the
// server with tools/mariadb-test on first use; throws when it cannot.
std::string fresh_mysql_url();

// Restarts the test MariaDB (every open connection dies); a no-op returning
// false when only AGENTRY_TEST_MYSQL_URL names it (a server that is not ours).
bool restart_test_mariadb();

}  // namespace agentry::test
