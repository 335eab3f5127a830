#include "runtime/llm/json_reply.h"

#include <string_view>

namespace agentry::llm {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

nlohmann::json parse_json_reply(const std::string& text, std::string& error) {
  std::string_view body = text;
  // A fenced block (```json ... ```) wins over everything around it.
  if (auto fence = body.find("```"); fence != std::string_view::npos) {
    auto start = body.find('\n', fence);
    auto end = start == std::string_view::npos ? start : body.find("```", start);
    if (end != std::string_view::npos) body = body.substr(start + 1, end - start - 1);
  }
  auto first = body.find('{');
  auto last = body.rfind('}');
  if (first == std::string_view::npos || last == std::string_view::npos || last < first) {
    error = "the reply contains no JSON object";
    return nullptr;
  }
  auto parsed = nlohmann::json::parse(body.substr(first, last - first + 1), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    error = "the reply is not a valid JSON object";
    return nullptr;
  }
  return parsed;
}

std::string missing_fields(const nlohmann::json& reply, const std::vector<std::string>& required) {
  std::vector<std::string> missing;
  for (const auto& field : required)
    if (!reply.contains(field)) missing.push_back(field);
  return join(missing);
}

std::string reask_message(const std::string& error, const std::vector<std::string>& required) {
  return "Your reply could not be used: " + error + ". Reply with one JSON object only" +
         (required.empty() ? "" : ", with the fields: " + join(required)) + ".";
}

}  // namespace agentry::llm
