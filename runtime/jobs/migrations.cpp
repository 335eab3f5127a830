#include "runtime/jobs/migrations.h"

#include <string>
#include <vector>

namespace agentry::jobs {
namespace {

struct Migration {
  int version;
  std::vector<std::string> sqlite;
  // MySQL DDL commits implicitly, so each statement must be safe to re-run
  // after a crash halfway through (IF NOT EXISTS, INSERT IGNORE).
  std::vector<std::string> mysql;
};

// Times are milliseconds since the epoch; `waiting` (pending or queued) is
// generated so the claim index (waiting, priority, created_at, id) needs no
// upkeep. MySQL: utf8mb4_bin so keys compare byte for byte and emoji fit;
// LONGTEXT for values that can reach megabytes (step outputs, results).
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1,
       {
           R"(CREATE TABLE agentry_jobs (
  id TEXT PRIMARY KEY NOT NULL,
  pipeline TEXT NOT NULL,
  status TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  input TEXT NOT NULL,
  result TEXT,
  error_reason TEXT,
  error_message TEXT,
  progress TEXT NOT NULL,
  llm_calls INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  retry_count INTEGER NOT NULL DEFAULT 0,
  attempt INTEGER NOT NULL DEFAULT 0,
  script_version TEXT NOT NULL DEFAULT '',
  owner TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT,
  worker_id TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  event_seq INTEGER NOT NULL DEFAULT 0,
  waiting INTEGER GENERATED ALWAYS AS (status IN ('pending', 'queued')) VIRTUAL
))",
           "CREATE UNIQUE INDEX agentry_jobs_idempotency ON agentry_jobs (owner, idempotency_key)",
           "CREATE INDEX agentry_jobs_claim ON agentry_jobs (waiting, priority, created_at, id)",
           "CREATE INDEX agentry_jobs_status ON agentry_jobs (status, created_at, id)",
           "CREATE INDEX agentry_jobs_pipeline ON agentry_jobs (pipeline, created_at, id)",
           "CREATE INDEX agentry_jobs_created ON agentry_jobs (created_at, id)",
           "CREATE INDEX agentry_jobs_completed ON agentry_jobs (completed_at)",
           R"(CREATE TABLE agentry_job_events (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  event TEXT NOT NULL,
  details TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
))",
           R"(CREATE TABLE agentry_job_steps (
  job_id TEXT NOT NULL,
  step_key TEXT NOT NULL,
  agent TEXT NOT NULL,
  status TEXT NOT NULL,
  output TEXT,
  raw_reply TEXT NOT NULL,
  error TEXT NOT NULL,
  llm_calls INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  retries INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  job_attempt INTEGER NOT NULL,
  PRIMARY KEY (job_id, step_key)
))",
       },
       {
           R"(CREATE TABLE IF NOT EXISTS agentry_jobs (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  pipeline VARCHAR(128) NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  priority INT NOT NULL DEFAULT 0,
  input LONGTEXT NOT NULL,
  result LONGTEXT NULL,
  error_reason VARCHAR(64) NULL,
  error_message MEDIUMTEXT NULL,
  progress MEDIUMTEXT NOT NULL,
  llm_calls BIGINT NOT NULL DEFAULT 0,
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  retry_count INT NOT NULL DEFAULT 0,
  attempt INT NOT NULL DEFAULT 0,
  script_version VARCHAR(128) NOT NULL DEFAULT '',
  owner VARCHAR(128) NOT NULL DEFAULT '',
  idempotency_key VARCHAR(255) NULL,
  worker_id VARCHAR(255) NULL,
  lease_until BIGINT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT NULL,
  completed_at BIGINT NULL,
  event_seq BIGINT NOT NULL DEFAULT 0,
  waiting TINYINT AS (status IN ('pending', 'queued')) STORED,
  PRIMARY KEY (id),
  UNIQUE KEY agentry_jobs_idempotency (owner, idempotency_key),
  KEY agentry_jobs_claim (waiting, priority, created_at, id),
  KEY agentry_jobs_status (status, created_at, id),
  KEY agentry_jobs_pipeline (pipeline, created_at, id),
  KEY agentry_jobs_created (created_at, id),
  KEY agentry_jobs_completed (completed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)",
           R"(CREATE TABLE IF NOT EXISTS agentry_job_events (
  job_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  seq BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  event VARCHAR(64) NOT NULL,
  details MEDIUMTEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)",
           R"(CREATE TABLE IF NOT EXISTS agentry_job_steps (
  job_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  step_key VARCHAR(255) NOT NULL,
  agent VARCHAR(128) NOT NULL,
  status VARCHAR(16) NOT NULL,
  output LONGTEXT NULL,
  raw_reply LONGTEXT NOT NULL,
  error MEDIUMTEXT NOT NULL,
  llm_calls BIGINT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  attempts INT NOT NULL,
  retries INT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  job_attempt INT NOT NULL,
  PRIMARY KEY (job_id, step_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)",
           // The one row every claim locks; see Statements::lock_claims.
           "CREATE TABLE IF NOT EXISTS agentry_claim_lock (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB",
           "INSERT IGNORE INTO agentry_claim_lock (id) VALUES (1)",
       }},
      // SQLite: events live in their primary key's b-tree (WITHOUT ROWID), so
      // an event is one b-tree insert, not a row plus an index entry: a
      // checkpoint writes one page fewer and a job's log is read in key
      // order. Measured with bench_store: logging an event 37-54 -> 20 µs,
      // step checkpoints/s on one thread +25-95 %. Steps keep their rowid:
      // their KiB-sized outputs made WITHOUT ROWID slower there (the SQLite
      // docs advise it for small rows). MySQL's InnoDB already clusters rows
      // by primary key.
      {2,
       {
           R"(CREATE TABLE agentry_job_events_by_key (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  event TEXT NOT NULL,
  details TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID)",
           "INSERT INTO agentry_job_events_by_key (job_id, seq, ts, event, details) "
           "SELECT job_id, seq, ts, event, details FROM agentry_job_events",
           "DROP TABLE agentry_job_events",
           "ALTER TABLE agentry_job_events_by_key RENAME TO agentry_job_events",
       },
       {}},
      // A step pipeline's result is its steps' outputs: result_steps names
      // them (job.h JobResult) and result stays NULL, so a completion does
      // not write the plan a second time. MySQL 8 has no ADD COLUMN IF NOT
      // EXISTS: the ALTER runs only when the column is missing.
      {3,
       {"ALTER TABLE agentry_jobs ADD COLUMN result_steps TEXT"},
       {"SET @agentry_ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_NAME = 'agentry_jobs' AND COLUMN_NAME = 'result_steps') = 0, "
        "'ALTER TABLE agentry_jobs ADD COLUMN result_steps MEDIUMTEXT NULL', 'DO 0')",
        "PREPARE agentry_ddl FROM @agentry_ddl", "EXECUTE agentry_ddl", "DEALLOCATE PREPARE agentry_ddl"}},
  };
  return all;
}

int latest_schema_version() { return migrations().back().version; }

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS agentry_schema_version (version INTEGER NOT NULL PRIMARY KEY, "
    "applied_at BIGINT NOT NULL)";

int current_version(sql::Connection& c) {
  c.execute(kCreateVersionTable);
  const auto rows = c.query("SELECT MAX(version) FROM agentry_schema_version");
  return rows.empty() ? 0 : static_cast<int>(rows.front().integer(0));
}

// Applies what is missing; the caller holds the backend's migration lock.
void apply(sql::Connection& c) {
  const int current = current_version(c);
  if (current > latest_schema_version())
    throw StoreError("the database schema is version " + std::to_string(current) + " but this agentry knows only " +
                     std::to_string(latest_schema_version()) + ": upgrade agentry or point AGENTRY_DB elsewhere");
  for (const auto& m : migrations()) {
    if (m.version <= current) continue;
    for (const auto& statement : c.backend() == sql::Backend::sqlite ? m.sqlite : m.mysql) c.execute(statement);
    c.execute("INSERT INTO agentry_schema_version (version, applied_at) VALUES (?, ?)",
              {int64_t{m.version}, sql::ms(now_ms())});
  }
}

}  // namespace

void migrate(sql::Connection& c) {
  if (c.backend() == sql::Backend::sqlite) {
    c.begin();
    try {
      apply(c);
      c.commit();
    } catch (...) {
      c.rollback();
      throw;
    }
    return;
  }
  const auto locked = c.query("SELECT GET_LOCK('agentry_schema_migration', 60)");
  if (locked.empty() || locked.front().integer(0) != 1)
    throw StoreError("another agentry process held the schema migration lock for 60 s; retry when it has finished");
  try {
    apply(c);
  } catch (...) {
    c.query("SELECT RELEASE_LOCK('agentry_schema_migration')");
    throw;
  }
  c.query("SELECT RELEASE_LOCK('agentry_schema_migration')");
}

}  // namespace agentry::jobs
