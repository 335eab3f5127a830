#include "runtime/lua/script_registry.h"

#include <spdlog/spdlog.h>

namespace agentry::lua {

ScriptRegistry::ScriptRegistry(std::filesystem::path directory) : directory_(std::move(directory)) {}

ReloadResult ScriptRegistry::reload() {
  std::vector<ScriptProblem> errors;
  auto snapshot = load_scripts(directory_, errors);
  ReloadResult result;
  std::lock_guard lock(mutex_);
  last_attempt_ = jobs::now_ms();
  last_errors_ = errors;
  result.errors = errors;
  if (!snapshot) {
    for (const auto& e : errors) spdlog::error("script error: {}", e.to_string());
    if (current_) spdlog::warn("scripts: keeping version {} live", current_->version);
    result.version = current_ ? current_->version : "";
    return result;
  }
  result.warnings = snapshot->warnings;
  if (current_ && current_->version == snapshot->version) {
    result.unchanged = true;
    result.version = current_->version;
    return result;
  }
  spdlog::info("scripts: version {} live ({} agents, {} pipelines)", snapshot->version, snapshot->agents.size(),
               snapshot->pipelines.size());
  history_[snapshot->version] = snapshot;
  current_ = std::move(snapshot);
  result.published = true;
  result.version = current_->version;
  return result;
}

std::shared_ptr<const ScriptSnapshot> ScriptRegistry::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::shared_ptr<const ScriptSnapshot> ScriptRegistry::find_version(const std::string& version) const {
  std::lock_guard lock(mutex_);
  auto it = history_.find(version);
  return it == history_.end() ? nullptr : it->second;
}

std::vector<ScriptProblem> ScriptRegistry::last_errors() const {
  std::lock_guard lock(mutex_);
  return last_errors_;
}

jobs::TimePoint ScriptRegistry::last_attempt() const {
  std::lock_guard lock(mutex_);
  return last_attempt_;
}

}  // namespace agentry::lua
