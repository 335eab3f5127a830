#include "server/cli/plan_outline.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace agentry::cli {

namespace {

std::string label(std::string key) {
  for (auto& c : key)
    if (c == '_') c = ' ';
  if (!key.empty() && key[0] >= 'a' && key[0] <= 'z') key[0] = static_cast<char>(key[0] - 'a' + 'A');
  return key;
}

std::string scalar(const nlohmann::ordered_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool all_scalars(const nlohmann::ordered_json& container) {
  for (const auto& v : container)
    if (v.is_structured()) return false;
  return true;
}

// A small flat object reads best on one line: "Food: Rolled oats, Grams: 40".
std::optional<std::string> one_line(const nlohmann::ordered_json& object) {
  if (!object.is_object() || !all_scalars(object)) return std::nullopt;
  std::string line;
  for (const auto& [k, v] : object.items()) line += (line.empty() ? "" : ", ") + label(k) + ": " + scalar(v);
  if (line.size() > 110) return std::nullopt;
  return line;
}

// Headline fields first, the rest in their order.
std::vector<std::string> key_order(const nlohmann::ordered_json& object) {
  static const std::vector<std::string> first = {"title", "name", "day", "week", "summary", "goal", "focus"};
  std::vector<std::string> keys;
  for (const auto& k : first)
    if (object.contains(k)) keys.push_back(k);
  for (const auto& [k, _] : object.items())
    if (std::find(first.begin(), first.end(), k) == first.end()) keys.push_back(k);
  return keys;
}

}  // namespace

std::string outline(const nlohmann::ordered_json& value, int indent) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  std::string out;
  if (value.is_object()) {
    for (const auto& k : key_order(value)) {
      const auto& v = value[k];
      if (v.is_structured() && !(v.is_array() && all_scalars(v) && v.dump().size() < 100)) {
        out += pad + label(k) + ":\n" + outline(v, indent + 1);
      } else if (v.is_array()) {
        std::string line;
        for (const auto& item : v) line += (line.empty() ? "" : ", ") + scalar(item);
        out += pad + label(k) + ": " + line + "\n";
      } else {
        out += pad + label(k) + ": " + scalar(v) + "\n";
      }
    }
  } else if (value.is_array()) {
    int n = 0;
    for (const auto& item : value) {
      ++n;
      if (auto line = one_line(item)) {
        out += pad + "- " + *line + "\n";
      } else if (item.is_object()) {
        out += pad + std::to_string(n) + ".\n" + outline(item, indent + 1);
      } else if (item.is_array()) {
        out += pad + std::to_string(n) + ".\n" + outline(item, indent + 1);
      } else {
        out += pad + "- " + scalar(item) + "\n";
      }
    }
  } else {
    out += pad + scalar(value) + "\n";
  }
  return out;
}

}  // namespace agentry::cli
