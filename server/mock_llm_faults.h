// What `agentry mock-llm` does with each request: answer normally or inject
// a fault, from a script (a sequence for successive requests, global or per
// agent) or at random by rate. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentry::server {

// One request's fate. Names are what --script and --fail-rate accept.
enum class MockAction {
  ok,               // a normal completion
  bad_request,      // 400 with an API message            ("400")
  unauthorized,     // 401 invalid_api_key                ("401")
  forbidden,        // 403                                ("403")
  not_found,        // 404 model_not_found                ("404")
  rate_limited,     // 429 rate_limit_exceeded            ("429")
  server_error,     // 500                                ("500")
  bad_gateway,      // 502                                ("502")
  unavailable,      // 503                                ("503")
  gateway_timeout,  // 504                            ("504")
  quota,            // 429 insufficient_quota             ("quota")
  context,          // 400 context_length_exceeded        ("context")
  hang,             // never answers (until the client leaves or --hang-ms)  ("hang")
  reset,            // closes the connection without an answer ("reset")
  invalid,          // 200 whose content is not JSON      ("invalid")
  partial,          // 200 with a JSON object lacking the required fields ("partial")
  fenced,           // 200 with the JSON inside a ```json fence ("fence")
};

// Throws std::invalid_argument listing the valid names.
MockAction parse_action(std::string_view name);
std::string_view action_name(MockAction action);

// "503,503,ok" → actions. Throws std::invalid_argument.
std::vector<MockAction> parse_action_list(std::string_view list);
// "503=0.2,429=0.1" → (action, probability) pairs; probabilities sum to ≤ 1.
std::vector<std::pair<MockAction, double>> parse_fail_rates(std::string_view spec);

class FaultPlan {
 public:
  FaultPlan(std::vector<MockAction> script, std::map<std::string, std::vector<MockAction>> agent_scripts,
            std::vector<std::pair<MockAction, double>> fail_rates, uint64_t seed);

  // The agent's own script first, then the global one, each step used once;
  // when both are used up, a random draw against the fail rates.
  MockAction next(const std::string& agent);

 private:
  std::mutex mutex_;
  std::vector<MockAction> script_;
  size_t script_pos_ = 0;
  std::map<std::string, std::pair<std::vector<MockAction>, size_t>> agent_scripts_;
  std::vector<std::pair<MockAction, double>> fail_rates_;
  std::mt19937_64 rng_;
};

}  // namespace agentry::server
