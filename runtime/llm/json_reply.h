// Reading a model's reply as the JSON object an agent asked for, and the
// words of the one re-ask when it is not. Pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentry::llm {

// Parses a model's reply as a JSON object, tolerating a ```json fenced block
// and prose around one object. Returns null json and sets `error` otherwise.
nlohmann::json parse_json_reply(const std::string& text, std::string& error);

// The required top-level keys `reply` lacks, comma-separated ("" when none).
std::string missing_fields(const nlohmann::json& reply, const std::vector<std::string>& required);

// The user message of the re-ask: what was wrong and what to send instead.
std::string reask_message(const std::string& error, const std::vector<std::string>& required);

}  // namespace agentry::llm
