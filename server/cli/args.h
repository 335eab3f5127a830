// A command line split into positionals and --flags, with the checks every
// subcommand needs: a value after a flag, no unknown flag left unread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentry::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `--help` or `-h` where a flag may stand: the caller prints the usage and
// does nothing else (it never reaches a command, so `serve -h` opens nothing).
class HelpRequested : public std::exception {
 public:
  const char* what() const noexcept override { return "help requested"; }
};

class Args {
 public:
  // `boolean_flags` take no value ("--json"); every other flag takes one
  // ("--port 8080" or "--port=8080"). Throws HelpRequested for --help / -h.
  Args(int argc, char** argv, int first, std::set<std::string> boolean_flags);

  // Reading them is what tells reject_unread() the command takes any.
  const std::vector<std::string>& positionals() const {
    positionals_read_ = true;
    return positionals_;
  }
  std::optional<std::string> value(const std::string& flag);
  std::string value_or(const std::string& flag, const std::string& fallback);
  std::optional<int> integer(const std::string& flag);
  bool flag(const std::string& name);
  // Flags not read by any call above; a subcommand passes them on or rejects them.
  std::vector<std::pair<std::string, std::string>> unread() const;
  // Throws UsageError naming the first flag nobody read, or the first
  // positional argument of a command that never asked for them.
  void reject_unread() const;

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::string> values_;
  std::set<std::string> booleans_;
  mutable std::set<std::string> read_;
  mutable bool positionals_read_ = false;
};

// Takes `--name VALUE` or `--name=VALUE` out of argv (shrinking argc) for the
// options every command accepts, such as --log-level; the last one wins.
// Throws UsageError when the value is missing.
std::optional<std::string> take_option(int& argc, char** argv, const std::string& name);

}  // namespace agentry::cli
