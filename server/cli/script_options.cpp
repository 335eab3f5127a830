#include "server/cli/script_options.h"

#include <cstdlib>

namespace agentry::cli {

std::filesystem::path scripts_directory(Args& args) {
  if (auto dir = args.value("scripts")) return *dir;
  if (const char* env = std::getenv("AGENTRY_SCRIPTS"); env && *env) return env;
  if (std::filesystem::is_directory("scripts/agents")) return "scripts";
  return std::filesystem::path(AGENTRY_SOURCE_DIR) / "scripts";
}

llm::LlmConfig llm_config(Args& args) {
  llm::LlmConfig config = llm::LlmConfig::from_env();
  for (const auto& [flag, value] : args.unread()) {
    try {
      if (config.apply_flag("--" + flag, value)) args.value(flag);  // marks it read
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  return config;
}

}  // namespace agentry::cli
