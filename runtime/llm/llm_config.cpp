#include "runtime/llm/llm_config.h"

#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "runtime/llm/http_endpoint.h"
#include "runtime/llm/mock_provider.h"
#include "runtime/llm/openai_provider.h"
#include "runtime/log/logging.h"

namespace agentry::llm {

namespace {

constexpr int kOpenAiDefaultRpm = 500;

template <class T>
T parse_number(std::string_view name, std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < T{0})
    throw std::invalid_argument(std::string(name) + " must be a number ≥ 0, got '" + std::string(text) + "'");
  return value;
}

std::chrono::milliseconds parse_seconds(std::string_view name, std::string_view text) {
  return std::chrono::milliseconds(static_cast<int64_t>(parse_number<double>(name, text) * 1000.0));
}

std::string parse_provider(std::string_view name, std::string_view text) {
  if (text != "mock" && text != "openai")
    throw std::invalid_argument(std::string(name) + " must be mock or openai, got '" + std::string(text) + "'");
  return std::string(text);
}

// One setting, known by its environment variable and its flag.
struct Setting {
  const char* env;
  const char* flag;
  std::function<void(LlmConfig&, std::string_view name, std::string_view value)> apply;
};

const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = {
      {"AGENTRY_LLM_PROVIDER", "--llm-provider",
       [](LlmConfig& c, auto n, auto v) { c.provider = parse_provider(n, v); }},
      {"OPENAI_BASE_URL", "--llm-base-url", [](LlmConfig& c, auto, auto v) { c.base_url = v; }},
      {"OPENAI_API_KEY", nullptr, [](LlmConfig& c, auto, auto v) { c.api_key = v; }},
      {"OPENAI_MODEL", "--llm-model", [](LlmConfig& c, auto, auto v) { c.model = v; }},
      {"AGENTRY_LLM_CA_FILE", "--llm-ca-file", [](LlmConfig& c, auto, auto v) { c.ca_file = v; }},
      {"AGENTRY_LLM_CONNECT_TIMEOUT", "--llm-connect-timeout",
       [](LlmConfig& c, auto n, auto v) { c.connect_timeout = parse_seconds(n, v); }},
      {"AGENTRY_LLM_READ_TIMEOUT", "--llm-read-timeout",
       [](LlmConfig& c, auto n, auto v) { c.read_timeout = parse_seconds(n, v); }},
      {"AGENTRY_LLM_CALL_TIMEOUT", "--llm-call-timeout",
       [](LlmConfig& c, auto n, auto v) { c.call_timeout = parse_seconds(n, v); }},
      {"AGENTRY_LLM_MAX_RETRIES", "--llm-max-retries",
       [](LlmConfig& c, auto n, auto v) { c.retry.max_retries = parse_number<int>(n, v); }},
      {"AGENTRY_LLM_RETRY_BASE", "--llm-retry-base",
       [](LlmConfig& c, auto n, auto v) { c.retry.base_seconds = parse_number<double>(n, v); }},
      {"AGENTRY_LLM_MAX_CONCURRENT", "--llm-max-concurrent",
       [](LlmConfig& c, auto n, auto v) { c.max_concurrent = parse_number<int>(n, v); }},
      {"AGENTRY_LLM_RPM", "--llm-rpm",
       [](LlmConfig& c, auto n, auto v) { c.requests_per_minute = parse_number<int>(n, v); }},
      {"AGENTRY_LLM_TPM", "--llm-tpm",
       [](LlmConfig& c, auto n, auto v) { c.tokens_per_minute = parse_number<int64_t>(n, v); }},
      {"AGENTRY_MOCK_LATENCY_MS", "--mock-latency-ms",
       [](LlmConfig& c, auto n, auto v) { c.mock_latency = std::chrono::milliseconds(parse_number<int64_t>(n, v)); }},
  };
  return all;
}

}  // namespace

LlmConfig LlmConfig::from_env(const Getenv& getenv) {
  LlmConfig config;
  const char* key = getenv("OPENAI_API_KEY");
  if (key && *key) config.provider = "openai";
  for (const auto& s : settings())
    if (const char* value = getenv(s.env); value && *value) s.apply(config, s.env, value);
  return config;
}

bool LlmConfig::apply_flag(std::string_view flag, std::string_view value) {
  for (const auto& s : settings()) {
    if (s.flag && flag == s.flag) {
      s.apply(*this, flag, value);
      return true;
    }
  }
  return false;
}

int LlmConfig::effective_requests_per_minute() const {
  if (requests_per_minute) return *requests_per_minute;
  return provider == "openai" ? kOpenAiDefaultRpm : 0;
}

std::string LlmConfig::describe() const {
  if (provider == "mock") return "LLM provider: mock — set OPENAI_API_KEY to use OpenAI";
  std::string where = base_url;
  try {
    where = HttpEndpoint::parse(base_url).display();
  } catch (const std::invalid_argument&) {
    // make_llm_client reports the bad URL; the banner shows it as given.
  }
  return "LLM provider: " + provider + " at " + where + " (model " + model + ")";
}

std::shared_ptr<LlmProvider> make_llm_provider(const LlmConfig& config) {
  std::shared_ptr<LlmProvider> provider;
  if (config.provider == "mock") {
    provider = std::make_shared<MockProvider>(MockOptions{config.mock_latency});
  } else if (config.provider == "openai") {
    OpenAiOptions options;
    options.base_url = config.base_url;
    options.api_key = config.api_key;
    log::add_secret(config.api_key);  // whatever message carries it, no log line shows it
    options.default_model = config.model;
    options.ca_file = config.ca_file;
    options.connect_timeout = config.connect_timeout;
    options.read_timeout = config.read_timeout;
    options.call_timeout = config.call_timeout;
    options.max_idle_connections = static_cast<size_t>(std::max(2, config.max_concurrent));
    provider = std::make_shared<OpenAiProvider>(std::move(options));
  } else {
    throw std::invalid_argument("unknown LLM provider '" + config.provider + "': use mock or openai");
  }
  return provider;
}

std::shared_ptr<LlmClient> make_llm_client(const LlmConfig& config) {
  RateLimits limits{config.max_concurrent, config.effective_requests_per_minute(), config.tokens_per_minute};
  return std::make_shared<LlmClient>(make_llm_provider(config), config.retry, limits);
}

}  // namespace agentry::llm
