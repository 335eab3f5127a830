// The authoring warnings of `agentry check`: things that load fine but are
// probably mistakes (an agent no pipeline uses, an agent without declared
// output fields, a mock fixture that lacks them).
#pragma once

#include <vector>

#include "runtime/lua/snapshot.h"

namespace agentry::lua {

std::vector<ScriptProblem> check_scripts(const ScriptSnapshot& snapshot);

}  // namespace agentry::lua
