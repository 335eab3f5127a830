#include "support/script_dir.h"

#include <fstream>
#include <random>
#include <stdexcept>

namespace agentry::testing {

namespace fs = std::filesystem;

ScriptDir::ScriptDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("agentry-scripts-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_ / "agents");
  fs::create_directories(path_ / "pipelines");
  fs::create_directories(path_ / "lib");
}

ScriptDir::~ScriptDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void ScriptDir::write(const std::string& rel, const std::string& content) const {
  fs::create_directories((path_ / rel).parent_path());
  std::ofstream(path_ / rel, std::ios::binary | std::ios::trunc) << content;
}

void ScriptDir::write_by_rename(const std::string& rel, const std::string& content) const {
  const fs::path target = path_ / rel;
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".swp");
  std::ofstream(temp, std::ios::binary | std::ios::trunc) << content;
  fs::rename(temp, target);
}

void ScriptDir::remove(const std::string& rel) const { fs::remove(path_ / rel); }

std::shared_ptr<lua::ScriptSnapshot> ScriptDir::load() const {
  std::vector<lua::ScriptProblem> errors;
  auto snap = lua::load_scripts(path_, errors);
  if (!snap) {
    std::string all;
    for (const auto& e : errors) all += e.to_string() + "\n";
    throw std::runtime_error("scripts did not load:\n" + all);
  }
  return snap;
}

fs::path shipped_scripts() { return fs::path(AGENTRY_SOURCE_DIR) / "scripts"; }

}  // namespace agentry::testing
