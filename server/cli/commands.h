// The `agentry` subcommands. Each returns the process exit code and reads
// its own flags; main.cpp only dispatches.
#pragma once

namespace agentry::cli {

int run_command(int argc, char** argv);        // agentry run PIPELINE --input FILE
int check_command(int argc, char** argv);      // agentry check
int serve_command(int argc, char** argv);      // agentry serve / agentry worker
int migrate_command(int argc, char** argv);    // agentry migrate

}  // namespace agentry::cli
