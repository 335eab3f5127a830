// Where scripts come from and which LLM answers, as every subcommand that
// runs jobs reads them: flags first, then the environment, then defaults.
#pragma once

#include <filesystem>
#include <memory>

#include "runtime/llm/llm_config.h"
#include "server/cli/args.h"

namespace agentry::cli {

// --scripts DIR, else $AGENTRY_SCRIPTS, else ./scripts, else the source tree's.
std::filesystem::path scripts_directory(Args& args);

// LlmConfig::from_env() with every --llm-* / --mock-latency-ms flag applied.
llm::LlmConfig llm_config(Args& args);

}  // namespace agentry::cli
