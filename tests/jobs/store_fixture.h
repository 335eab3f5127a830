// Shared by the store tests: each test runs once per backend (SQLite file,
// MariaDB), on a fresh database, through the public JobStore only.
#pragma once

#include <boost/mpl/list.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "runtime/jobs/sql/database_url.h"
#include "runtime/jobs/sql/sqlite_connection.h"
#include "runtime/jobs/store.h"
#include "support/store_databases.h"

namespace agentry::test {

struct Sqlite {
  static std::string fresh_url() { return fresh_sqlite_url(); }
};
struct MariaDb {
  static std::string fresh_url() { return fresh_mysql_url(); }
};
using Backends = boost::mpl::list<Sqlite, MariaDb>;

inline std::unique_ptr<jobs::JobStore> open_store(const std::string& url, int pool_size = 4) {
  jobs::StoreOptions options;
  options.url = url;
  options.pool_size = pool_size;
  return jobs::JobStore::open(options);
}

inline jobs::NewJob new_job(const std::string& pipeline = "training", int priority = 0) {
  jobs::NewJob job;
  job.pipeline = pipeline;
  job.priority = priority;
  job.input = {{"client", "Ана"}};
  return job;
}

inline jobs::ClaimRequest claim_request(const std::string& worker, int max_jobs = 1, int max_running = 2,
                                        jobs::TimePoint now = jobs::now_ms()) {
  jobs::ClaimRequest r;
  r.worker_id = worker;
  r.max_jobs = max_jobs;
  r.max_running = max_running;
  r.lease = std::chrono::seconds(60);
  r.script_version = "v1";
  r.now = now;
  return r;
}

inline std::vector<std::string> event_names(const jobs::Job& job) {
  std::vector<std::string> names;
  for (const auto& e : job.execution_log) names.push_back(e.event);
  return names;
}

// A connection of our own, beside the store's, for what the API cannot do
// (corrupt the schema version, kill the store's connections).
inline std::unique_ptr<jobs::sql::Connection> raw_connection(const std::string& url) {
  const auto parsed = jobs::sql::parse_database_url(url);
  if (parsed.backend == jobs::sql::Backend::sqlite)
    return jobs::sql::open_sqlite(parsed.sqlite_path, std::chrono::seconds(10));
  return jobs::sql::open_mysql(parsed.mysql, std::chrono::seconds(10));
}

}  // namespace agentry::test
