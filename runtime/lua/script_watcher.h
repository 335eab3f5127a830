// Reloads the script registry when a file under its directory changes
// (inotify: close-after-write, rename into place, create, delete), after a
// short quiet period so a burst of saves is one reload. Editors that save by
// writing a temp file and renaming it over the original are covered by
// IN_MOVED_TO; a queue overflow just triggers a full reload.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "runtime/lua/script_registry.h"

namespace agentry::lua {

class ScriptWatcher {
 public:
  explicit ScriptWatcher(ScriptRegistry& registry,
                         std::chrono::milliseconds quiet_period = std::chrono::milliseconds(150));
  ~ScriptWatcher();
  ScriptWatcher(const ScriptWatcher&) = delete;
  ScriptWatcher& operator=(const ScriptWatcher&) = delete;

  // Reloads performed so far (for tests and metrics).
  int reloads() const { return reloads_.load(); }

 private:
  void run();
  ScriptRegistry& registry_;
  std::chrono::milliseconds quiet_period_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reloads_{0};
  int fd_ = -1;
  std::thread thread_;
};

}  // namespace agentry::lua
