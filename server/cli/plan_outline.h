// Renders a JSON result as an indented outline a person can read in a
// terminal: keys become headings, arrays of objects numbered items, short
// scalar arrays one line.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace agentry::cli {

std::string outline(const nlohmann::ordered_json& value, int indent = 0);

}  // namespace agentry::cli
