// The `agentry` subcommands. Each returns the process exit code and reads
// its own flags; main.cpp only dispatches.
#pragma once

namespace agentry::cli {

int run_command(int argc, char** argv);        // agentry run PIPELINE --input FILE
int check_command(int argc, char** argv);      // agentry check
int serve_command(int argc, char** argv);      // agentry serve / agentry worker
int migrate_command(int argc, char** argv);    // agentry migrate
int client_command(int argc, char** argv);     // agentry submit|jobs|job|cancel|watch (argv[1])

}  // namespace agentry::cli

namespace agentry::cli {

int run_agent_command(int argc, char** argv);     // agentry run-agent NAME --input FILE [--show-prompt] [--json]
int test_scripts_command(int argc, char** argv);  // agentry test-scripts [NAME...]

}  // namespace agentry::cli
