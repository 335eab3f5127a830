#include "runtime/lua/script_checks.h"

#include <set>

namespace agentry::lua {

std::vector<ScriptProblem> check_scripts(const ScriptSnapshot& snapshot) {
  std::vector<ScriptProblem> warnings = snapshot.warnings;
  // Function pipelines name their agents in code: count any agent whose name
  // appears quoted in a pipeline's source as used.
  std::set<std::string> used;
  for (const auto& [_, p] : snapshot.pipelines) {
    for (const auto& s : p.steps) used.insert(s);
    for (const auto& [name, __] : snapshot.agents)
      if (p.chunk->source.find("\"" + name + "\"") != std::string::npos ||
          p.chunk->source.find("'" + name + "'") != std::string::npos)
        used.insert(name);
  }
  for (const auto& [name, a] : snapshot.agents) {
    const std::string& file = a.chunk->file;
    if (!used.count(name)) warnings.push_back({file, 0, "agent '" + name + "' is used by no pipeline", true});
    if (a.required_outputs.empty())
      warnings.push_back({file, 0, "agent '" + name + "' declares no output fields (output = { required = {...} })",
                          true});
    if (a.mock_fixture)
      for (const auto& field : a.required_outputs)
        if (!a.mock_fixture->contains(field))
          warnings.push_back({"agents/" + name + ".mock.json", 0, "fixture lacks the output field '" + field + "'",
                              true});
  }
  return warnings;
}

}  // namespace agentry::lua
