// template(str, vars): "{{name}}" and "{{client.goal}}" placeholders filled
// from a Lua table. Tables render as JSON, a missing value as "(not provided)"
// so one optional field does not fail a whole job.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentry::lua {

// The placeholder paths of a template, in order ("client.goal"), for checks.
std::vector<std::string> template_variables(std::string_view text);

inline constexpr std::string_view kMissingTemplateValue = "(not provided)";

}  // namespace agentry::lua
