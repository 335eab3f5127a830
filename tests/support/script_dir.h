// A scripts directory in a fresh temp folder for a test: write files, load
// them, remove the folder at the end.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "runtime/lua/script_registry.h"

namespace agentry::testing {

class ScriptDir {
 public:
  ScriptDir();
  ~ScriptDir();
  ScriptDir(const ScriptDir&) = delete;
  ScriptDir& operator=(const ScriptDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `rel` ("agents/E1.lua") in one go.
  void write(const std::string& rel, const std::string& content) const;
  // Writes like an editor that saves to a temp file and renames it into place.
  void write_by_rename(const std::string& rel, const std::string& content) const;
  void remove(const std::string& rel) const;
  // Loads the directory and fails the test with the errors if it is invalid.
  std::shared_ptr<lua::ScriptSnapshot> load() const;

 private:
  std::filesystem::path path_;
};

// The scripts shipped in the repository.
std::filesystem::path shipped_scripts();

}  // namespace agentry::testing
