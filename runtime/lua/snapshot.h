// An immutable, validated set of scripts: what a job runs from start to end.
// Built by ScriptRegistry, shared read-only between threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/jobs/job.h"

namespace agentry::lua {

// One problem found while loading scripts, in the form authors read:
// "agents/E4.lua:17: '=' expected near 'end'".
struct ScriptProblem {
  std::string file;  // relative to the scripts directory
  int line = 0;      // 0 when unknown
  std::string message;
  bool warning = false;
  std::string to_string() const;
};

// A compiled file: bytecode of its chunk (with debug info, so errors carry
// file:line) and where it came from.
struct CompiledChunk {
  std::string file;  // "agents/E3.lua"
  std::string bytecode;
  std::string source;
  std::string sha256;
};

struct AgentDef {
  std::string name;
  std::string title;
  std::string phase;
  std::string model;
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  std::vector<std::string> required_outputs;
  nlohmann::json output_schema;  // optional JSON schema
  std::optional<int> retry_max;
  std::optional<double> retry_base;
  // Per-agent limits within the job's (`memory_mb`, `timeout` in seconds);
  // applied while the agent runs (JobHost::enter_agent_limits).
  std::optional<size_t> memory_bytes;
  std::optional<int> timeout_seconds;
  // `<name>.mock.json` next to the agent (null: none), shared with every
  // request of this agent rather than copied into it.
  std::shared_ptr<const nlohmann::json> mock_fixture;
  std::shared_ptr<const CompiledChunk> chunk;
};

struct PipelineDef {
  std::string name;
  std::string title;
  std::vector<std::string> steps;  // empty for the function form
  bool function_form = false;
  int total_steps = 0;  // flattened agent count of a step pipeline
  std::optional<int> timeout_seconds;
  std::shared_ptr<const CompiledChunk> chunk;
};

struct ScriptFileInfo {
  std::string file;
  std::string sha256;
  jobs::TimePoint loaded_at{};
  std::vector<ScriptProblem> problems;
};

class ScriptSnapshot {
 public:
  std::string version;  // content hash of every file
  jobs::TimePoint loaded_at{};
  std::map<std::string, AgentDef> agents;
  std::map<std::string, PipelineDef> pipelines;
  std::map<std::string, std::shared_ptr<const CompiledChunk>> modules;  // scripts/lib/<name>.lua
  std::vector<ScriptFileInfo> files;
  std::vector<ScriptProblem> warnings;

  const AgentDef* find_agent(const std::string& name) const {
    auto it = agents.find(name);
    return it == agents.end() ? nullptr : &it->second;
  }
  const PipelineDef* find_pipeline(const std::string& name) const {
    auto it = pipelines.find(name);
    return it == pipelines.end() ? nullptr : &it->second;
  }
  std::vector<std::string> pipeline_names() const;
};

}  // namespace agentry::lua
