// The job store's schema, as numbered migrations applied in order at open.
// agentry_schema_version records what was applied; a database migrated by a
// newer agentry is refused rather than misread.
#pragma once

#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs {

// Brings the database to latest_schema_version(). Safe to run from several
// processes at once: SQLite serializes on its write lock, MySQL on a named
// lock (GET_LOCK). Throws StoreError when the database is newer than this build.
void migrate(sql::Connection& connection);

}  // namespace agentry::jobs
