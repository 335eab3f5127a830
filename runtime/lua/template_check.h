// An authoring warning for `agentry check`: template placeholders that no
// input provides. `{{client.injury}}` renders as "(not provided)" when the
// job input has no "injury" — a typo that costs a whole plan's quality
// without failing anything.
//
// The check is static: it reads the sources, not a running job.
//  - Sample input: a pipeline (or an agent, for itself) may declare
//    `sample_input = "examples/client.json"` (relative to the parent of
//    examples_dir, i.e. the repository). Otherwise a pipeline uses
//    examples_dir/<pipeline>.json, else the examples_dir/*.json file that
//    provides most of its agents' input placeholders (none providing half of
//    them: the pipeline is not checked).
//  - Which placeholders read the input: an agent binds a template root to its
//    input with `name = input` or `name = input.field` in its source
//    (`template(PROMPT, { client = input })`). A step pipeline gives every
//    agent the job input; a function pipeline's `run_agent("x", input)` or
//    `run_agent("x", { brief = input, ... })` says what part of it the agent
//    gets. Placeholders of other roots (`{{profile}}`, `{{epic.title}}` from
//    an earlier agent's output) are not checked.
//  - Placeholders are read from the agent's file and the scripts/lib modules
//    it requires (shared cards such as coaching.client_card).
#pragma once

#include <filesystem>
#include <vector>

#include "runtime/lua/snapshot.h"

namespace agentry::lua {

// Warnings (ScriptProblem::warning set) with the file and line of each
// placeholder, e.g. "lib/coaching.lua:77: {{client.injury}}: examples/client.json
// has no \"injury\" (agent E3 in pipeline training); the prompt would say
// \"(not provided)\"". One warning per placeholder and sample file.
std::vector<ScriptProblem> check_template_variables(const ScriptSnapshot& snapshot,
                                                    const std::filesystem::path& examples_dir);

// The examples folder beside a scripts directory ("scripts" or "scripts/" ->
// "<its parent>/examples"), where `agentry check` looks for sample inputs.
std::filesystem::path examples_beside(const std::filesystem::path& scripts_dir);

}  // namespace agentry::lua
