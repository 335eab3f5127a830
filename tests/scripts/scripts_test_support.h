// Shared by the authoring-loop tests: the example inputs, and stdout of a
// CLI command run in this process.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentry::testing {

inline nlohmann::json example_input(const std::string& name) {
  std::ifstream in(std::filesystem::path(AGENTRY_SOURCE_DIR) / "examples" / name);
  return nlohmann::json::parse(in);
}

// Sends this process's stdout (printf and std::cout) to a temp file while it
// lives; text() reads what was written so far.
class CapturedStdout {
 public:
  CapturedStdout() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("agentry-stdout-" + std::to_string(rd()));
    std::fflush(stdout);
    std::cout.flush();
    saved_ = dup(STDOUT_FILENO);
    FILE* f = std::fopen(path_.c_str(), "w");
    dup2(fileno(f), STDOUT_FILENO);
    std::fclose(f);
  }
  ~CapturedStdout() {
    restore();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  CapturedStdout(const CapturedStdout&) = delete;
  CapturedStdout& operator=(const CapturedStdout&) = delete;

  std::string text() {
    std::fflush(stdout);
    std::cout.flush();
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stdout);
    std::cout.flush();
    dup2(saved_, STDOUT_FILENO);
    close(saved_);
    saved_ = -1;
  }

 private:
  std::filesystem::path path_;
  int saved_ = -1;
};

// Runs a command function (run_agent_command...) as `agentry <args...>`.
template <typename Command>
int run_cli(Command command, std::vector<std::string> args) {
  args.insert(args.begin(), "agentry");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return command(static_cast<int>(args.size()), argv.data());
}

}  // namespace agentry::testing
