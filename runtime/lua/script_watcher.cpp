#include "runtime/lua/script_watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace agentry::lua {

namespace {
constexpr uint32_t kWatchMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF;

void add_watches(int fd, const std::filesystem::path& dir) {
  inotify_add_watch(fd, dir.c_str(), kWatchMask);
  for (const char* sub : {"agents", "pipelines", "lib"}) inotify_add_watch(fd, (dir / sub).c_str(), kWatchMask);
}
}  // namespace

ScriptWatcher::ScriptWatcher(ScriptRegistry& registry, std::chrono::milliseconds quiet_period)
    : registry_(registry), quiet_period_(quiet_period) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    spdlog::warn("script watcher: inotify unavailable; reload with POST /api/v1/scripts/reload");
    return;
  }
  add_watches(fd_, registry_.directory());
  thread_ = std::thread([this] { run(); });
}

ScriptWatcher::~ScriptWatcher() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

void ScriptWatcher::run() {
  using clock = std::chrono::steady_clock;
  std::optional<clock::time_point> dirty_since;
  alignas(inotify_event) char buffer[16 * 1024];
  while (!stop_) {
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = poll(&pfd, 1, 50);
    if (ready > 0 && (pfd.revents & POLLIN)) {
      ssize_t n;
      bool rewatch = false;
      while ((n = read(fd_, buffer, sizeof buffer)) > 0) {
        for (char* p = buffer; p < buffer + n;) {
          auto* ev = reinterpret_cast<inotify_event*>(p);
          // A new or moved directory (lib/ created, scripts/ replaced) needs
          // watches of its own.
          if ((ev->mask & IN_ISDIR) || (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW))) rewatch = true;
          p += sizeof(inotify_event) + ev->len;
        }
      }
      if (rewatch) add_watches(fd_, registry_.directory());
      dirty_since = clock::now();
    }
    if (dirty_since && clock::now() - *dirty_since >= quiet_period_) {
      dirty_since.reset();
      auto result = registry_.reload();
      ++reloads_;
      if (!result.published && !result.unchanged)
        spdlog::warn("scripts: reload refused ({} errors); version {} stays live", result.errors.size(),
                     result.version);
    }
  }
}

}  // namespace agentry::lua
