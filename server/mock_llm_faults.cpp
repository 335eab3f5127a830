#include "server/mock_llm_faults.h"

#include <array>
#include <charconv>
#include <stdexcept>

namespace agentry::server {

namespace {

constexpr std::array<std::pair<MockAction, std::string_view>, 17> kNames{{
    {MockAction::ok, "ok"},
    {MockAction::bad_request, "400"},
    {MockAction::unauthorized, "401"},
    {MockAction::forbidden, "403"},
    {MockAction::not_found, "404"},
    {MockAction::rate_limited, "429"},
    {MockAction::server_error, "500"},
    {MockAction::bad_gateway, "502"},
    {MockAction::unavailable, "503"},
    {MockAction::gateway_timeout, "504"},
    {MockAction::quota, "quota"},
    {MockAction::context, "context"},
    {MockAction::hang, "hang"},
    {MockAction::reset, "reset"},
    {MockAction::invalid, "invalid"},
    {MockAction::partial, "partial"},
    {MockAction::fenced, "fence"},
}};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const auto at = text.find(sep);
    auto part = text.substr(0, at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) parts.push_back(part);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

}  // namespace

MockAction parse_action(std::string_view name) {
  for (const auto& [action, text] : kNames)
    if (text == name) return action;
  std::string valid;
  for (const auto& entry : kNames) valid += (valid.empty() ? "" : ", ") + std::string(entry.second);
  throw std::invalid_argument("unknown mock action '" + std::string(name) + "' (valid: " + valid + ")");
}

std::string_view action_name(MockAction action) {
  for (const auto& [a, text] : kNames)
    if (a == action) return text;
  return "?";
}

std::vector<MockAction> parse_action_list(std::string_view list) {
  std::vector<MockAction> actions;
  for (auto name : split(list, ',')) actions.push_back(parse_action(name));
  return actions;
}

std::vector<std::pair<MockAction, double>> parse_fail_rates(std::string_view spec) {
  std::vector<std::pair<MockAction, double>> rates;
  double sum = 0;
  for (auto item : split(spec, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string_view::npos)
      throw std::invalid_argument("--fail-rate takes ACTION=RATE pairs like 503=0.2,429=0.1, got '" +
                                  std::string(item) + "'");
    double rate = 0;
    const auto text = item.substr(eq + 1);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rate);
    if (ec != std::errc() || end != text.data() + text.size() || rate < 0 || rate > 1)
      throw std::invalid_argument("--fail-rate: '" + std::string(text) + "' is not a rate between 0 and 1");
    sum += rate;
    rates.emplace_back(parse_action(item.substr(0, eq)), rate);
  }
  if (sum > 1.0 + 1e-9) throw std::invalid_argument("--fail-rate: the rates add up to more than 1");
  return rates;
}

FaultPlan::FaultPlan(std::vector<MockAction> script, std::map<std::string, std::vector<MockAction>> agent_scripts,
                     std::vector<std::pair<MockAction, double>> fail_rates, uint64_t seed)
    : script_(std::move(script)), fail_rates_(std::move(fail_rates)), rng_(seed) {
  for (auto& [agent, actions] : agent_scripts) agent_scripts_[agent] = {std::move(actions), 0};
}

MockAction FaultPlan::next(const std::string& agent) {
  std::lock_guard lock(mutex_);
  if (auto it = agent_scripts_.find(agent); it != agent_scripts_.end()) {
    auto& [actions, pos] = it->second;
    if (pos < actions.size()) return actions[pos++];
  }
  if (script_pos_ < script_.size()) return script_[script_pos_++];
  if (fail_rates_.empty()) return MockAction::ok;
  double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  for (const auto& [action, rate] : fail_rates_) {
    if (draw < rate) return action;
    draw -= rate;
  }
  return MockAction::ok;
}

}  // namespace agentry::server
