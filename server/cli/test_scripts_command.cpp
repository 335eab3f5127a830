// `agentry test-scripts [NAME...]`: runs the agent tests under
// <scripts>/tests (see runtime/lua/agent_tests.h and docs/scripting.md), one
// line per case as it finishes, then a summary. Exits 1 when a case failed
// or nothing matched, so CI and a pre-commit hook can use it as is.
#include <chrono>
#include <cstdio>
#include <set>

#include <spdlog/spdlog.h>

#include "runtime/lua/agent_tests.h"
#include "runtime/lua/script_registry.h"
#include "server/cli/args.h"
#include "server/cli/commands.h"
#include "server/cli/script_options.h"

namespace agentry::cli {

int test_scripts_command(int argc, char** argv) {
  Args args(argc, argv, 2, {});
  const auto scripts = scripts_directory(args);
  const auto only = args.positionals();
  args.reject_unread();

  std::vector<lua::ScriptProblem> errors;
  auto snapshot = lua::load_scripts(scripts, errors);
  if (!snapshot) {
    for (const auto& e : errors) std::printf("%s\n", e.to_string().c_str());
    std::printf("%zu error(s) in %s: no tests run\n", errors.size(), scripts.c_str());
    return 1;
  }

  // Re-asks and failed calls are what many cases test: the engine's
  // warnings about them would bury the results.
  spdlog::set_level(spdlog::level::err);
  const auto tests_dir = scripts / "tests";
  lua::AgentTestOptions options;
  options.only = only;
  options.on_result = [](const lua::AgentTestResult& r) {
    if (r.name.empty())
      std::printf("FAIL %s\n", r.message.c_str());
    else if (r.passed)
      std::printf("ok   %s %s (%lld ms)\n", r.agent.c_str(), r.name.c_str(),
                  static_cast<long long>(r.duration.count()));
    else
      std::printf("FAIL %s %s: %s\n", r.agent.c_str(), r.name.c_str(), r.message.c_str());
    std::fflush(stdout);
  };
  const auto started = std::chrono::steady_clock::now();
  const auto results = lua::run_agent_tests(*snapshot, tests_dir, options);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (results.empty()) {
    if (options.only.empty())
      std::printf("no agent tests in %s (files named <agent>_test.lua)\n", tests_dir.c_str());
    else
      std::printf("no agent tests in %s match the names given\n", tests_dir.c_str());
    return 1;
  }
  std::set<std::string> files;
  size_t failed = 0;
  for (const auto& r : results) {
    files.insert(r.file);
    if (!r.passed) ++failed;
  }
  std::printf("%zu file%s, %zu case%s: %zu passed, %zu failed (%.1f s)\n", files.size(), files.size() == 1 ? "" : "s",
              results.size(), results.size() == 1 ? "" : "s", results.size() - failed, failed, seconds);
  return failed ? 1 : 0;
}

}  // namespace agentry::cli
