// agentry: one binary for the service (serve, worker, migrate), the
// in-process runner (run, check) and the test tools (mock-llm).
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>

#include "runtime/log/logging.h"
#include "server/cli/args.h"
#include "server/cli/commands.h"
#include "server/mock_llm_server.h"
#include "server/version.h"

namespace {

constexpr char kUsage[] = R"(agentry — LLM agent pipelines as durable background jobs

usage: agentry COMMAND [options]

  serve      the REST API and workers (--port 8080 --db URL --scripts DIR --max-running N, --no-workers,
             --tokens FILE: bearer-token auth, see docs/api.md; without it only 127.0.0.1 is served)
  worker     workers only, on a shared database (--db URL --max-running N)
  migrate    apply pending database migrations (--db URL)
  run        run one pipeline in this process: run PIPELINE --input FILE|- [--json]
  check      validate the scripts: check [--scripts DIR]
  run-agent  run one agent alone: run-agent NAME --input FILE [--provider mock|openai] [--show-prompt] [--json]
  test-scripts  run the Lua agent tests in scripts/tests: test-scripts [NAME...]
  submit     submit a job to a server: submit PIPELINE --input FILE [--server URL] [--watch]
  jobs       list jobs: jobs [--status S] [--pipeline P] [--json]
  job        one job: job ID [--json]
  watch      follow a job with a progress bar until it ends: watch ID
  cancel     cancel a job: cancel ID
  mock-llm   an OpenAI-compatible mock server for tests and demos (--port, --latency-ms, ...)
  version    print the version

Every command: --log-level trace|debug|info|warn|error|off (AGENTRY_LOG_LEVEL, default info),
--log-format text|json (AGENTRY_LOG_FORMAT; json: one object per line on stderr).

Client commands (submit, jobs, job, watch, cancel) send the token in AGENTRY_TOKEN or --token-file FILE.

Defaults: database sqlite:agentry.db (AGENTRY_DB), scripts ./scripts (AGENTRY_SCRIPTS),
LLM mock unless OPENAI_API_KEY is set. See README.md.
)";

// Logging options from the environment, then the flags (which win); the
// flags are taken out of argv so no command has to know them.
void configure_logging(int& argc, char** argv) {
  using namespace agentry;
  log::LogOptions options;
  auto pick = [&](const char* env, const char* flag) -> std::optional<std::string> {
    auto v = cli::take_option(argc, argv, flag);
    if (v) return v;
    if (const char* e = std::getenv(env); e && *e) return std::string(e);
    return std::nullopt;
  };
  if (auto v = pick("AGENTRY_LOG_FORMAT", "log-format")) {
    auto format = log::parse_log_format(*v);
    if (!format) throw cli::UsageError("--log-format must be text or json, got '" + *v + "'");
    options.format = *format;
  }
  if (auto v = pick("AGENTRY_LOG_LEVEL", "log-level")) {
    auto level = log::parse_log_level(*v);
    if (!level)
      throw cli::UsageError("--log-level must be trace, debug, info, warn, error, critical or off, got '" + *v + "'");
    options.level = *level;
  }
  log::configure_logging(options);
}

// A long-running process holds a socket per client and per LLM call in
// flight, and an eventfd per job waiting on one: a thousand running jobs need
// more than the usual soft limit of 1024 descriptors. The hard limit is what
// the operator allows; take all of it.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace agentry::cli;
  try {
    configure_logging(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "agentry: %s\n", e.what());
    return 2;
  }
  if (argc < 2 || !std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "run") return run_command(argc, argv);
    if (command == "check") return check_command(argc, argv);
    if (command == "run-agent") return run_agent_command(argc, argv);
    if (command == "test-scripts") return test_scripts_command(argc, argv);
    if (command == "serve" || command == "worker") {
      raise_open_file_limit();
      return serve_command(argc, argv);
    }
    if (command == "migrate") return migrate_command(argc, argv);
    if (command == "submit" || command == "jobs" || command == "job" || command == "cancel" || command == "watch")
      return client_command(argc, argv);
    if (command == "mock-llm") {
      raise_open_file_limit();
      return agentry::server::run_mock_llm_command(argc - 1, argv + 1);
    }
    if (command == "version" || command == "--version") {
      std::printf("agentry %s\n", agentry::version());
      return 0;
    }
    std::fprintf(stderr, "agentry: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return 2;
  } catch (const HelpRequested&) {
    std::fputs(kUsage, stdout);
    return 0;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "agentry %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentry %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}
