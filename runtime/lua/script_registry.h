// Loads every script under a directory (agents/, pipelines/, lib/), validates
// the whole set and publishes it as an immutable snapshot. A set with any
// error is never published: the previous snapshot stays live and the errors
// are kept for `agentry check`, the log and GET /api/v1/scripts.
//
// Thread-safe: reload() may run on the watcher thread while jobs call current().
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/lua/snapshot.h"

namespace agentry::lua {

struct ReloadResult {
  bool published = false;  // a new snapshot went live
  bool unchanged = false;  // same content as the live snapshot
  std::string version;     // the live version after the reload
  std::vector<ScriptProblem> errors;
  std::vector<ScriptProblem> warnings;
};

class ScriptRegistry {
 public:
  explicit ScriptRegistry(std::filesystem::path directory);

  const std::filesystem::path& directory() const { return directory_; }

  // Reads, compiles and validates every file; publishes when all is valid.
  ReloadResult reload();

  // The live snapshot (null before the first successful load).
  std::shared_ptr<const ScriptSnapshot> current() const;
  // A snapshot seen earlier in this process, for jobs resuming on the
  // version they started on; null when unknown.
  std::shared_ptr<const ScriptSnapshot> find_version(const std::string& version) const;
  // Errors of the last reload attempt (empty when it succeeded).
  std::vector<ScriptProblem> last_errors() const;
  jobs::TimePoint last_attempt() const;

 private:
  std::filesystem::path directory_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ScriptSnapshot> current_;
  std::map<std::string, std::shared_ptr<const ScriptSnapshot>> history_;
  std::vector<ScriptProblem> last_errors_;
  jobs::TimePoint last_attempt_{};
};

// Builds a snapshot from a directory without publishing it: the whole load
// and validation, shared by the registry and `agentry check`. `errors` is
// filled when the set is invalid (the snapshot is then null).
std::shared_ptr<ScriptSnapshot> load_scripts(const std::filesystem::path& directory,
                                             std::vector<ScriptProblem>& errors);

}  // namespace agentry::lua
