// A child process for tests that need the real binary: `agentry serve`
// killed with SIGKILL, several workers on one database, SIGTERM drains.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace agentry::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`, the current environment plus `env`, and its
  // stdout/stderr appended to `log_file`.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env, std::string log_file);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // The exit code (or 128 + signal) once it ended within `limit`.
  std::optional<int> wait(std::chrono::milliseconds limit);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

// The built `agentry` binary.
std::string agentry_binary();

// The tail of a file, for failure messages.
std::string tail_of(const std::string& path, size_t bytes = 4000);

struct CommandResult {
  int exit_code = -1;  // -1 when the command did not exit normally
  std::string output;  // stdout and stderr
};

// Runs `command` through the shell and waits for it.
CommandResult run_command(const std::string& command);

}  // namespace agentry::testing
