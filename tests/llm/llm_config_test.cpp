// LlmConfig: defaults, environment, flags, the start-up line and the factory.
#include <boost/test/unit_test.hpp>

#include <map>

#include "runtime/llm/llm_config.h"
#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

namespace {

LlmConfig::Getenv env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    const auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(llm_config)

BOOST_AUTO_TEST_CASE(without_a_key_the_provider_is_mock) {
  const auto config = LlmConfig::from_env(env({}));
  BOOST_TEST(config.provider == "mock");
  BOOST_TEST(config.describe() == "LLM provider: mock — set OPENAI_API_KEY to use OpenAI");
  BOOST_TEST(make_llm_client(config)->provider().name() == "mock");
  BOOST_TEST(config.effective_requests_per_minute() == 0);
}

BOOST_AUTO_TEST_CASE(with_a_key_the_provider_is_openai_with_documented_defaults) {
  const auto config = LlmConfig::from_env(env({{"OPENAI_API_KEY", kApiKey}}));
  BOOST_TEST(config.provider == "openai");
  BOOST_TEST(config.base_url == "https://api.openai.com/v1");
  BOOST_TEST(config.model == "gpt-4o-mini");
  BOOST_TEST(config.connect_timeout.count() == 10'000);
  BOOST_TEST(config.read_timeout.count() == 120'000);
  BOOST_TEST(config.retry.max_retries == 2);
  BOOST_TEST(config.retry.base_seconds == 10.0);
  BOOST_TEST(config.max_concurrent == 8);
  BOOST_TEST(config.effective_requests_per_minute() == 500);
  BOOST_TEST(config.describe() == "LLM provider: openai at https://api.openai.com/v1 (model gpt-4o-mini)");
  const auto client = make_llm_client(config);
  BOOST_TEST(client->provider().name() == "openai");
  BOOST_TEST(client->limits().max_concurrent == 8);
}

BOOST_AUTO_TEST_CASE(the_environment_overrides_every_setting) {
  const auto config = LlmConfig::from_env(env({{"OPENAI_API_KEY", kApiKey},
                                               {"AGENTRY_LLM_PROVIDER", "mock"},
                                               {"OPENAI_BASE_URL", "http://localhost:8099/v1"},
                                               {"OPENAI_MODEL", "llama3"},
                                               {"AGENTRY_LLM_CA_FILE", "/etc/ca.pem"},
                                               {"AGENTRY_LLM_CONNECT_TIMEOUT", "2"},
                                               {"AGENTRY_LLM_READ_TIMEOUT", "30"},
                                               {"AGENTRY_LLM_CALL_TIMEOUT", "45"},
                                               {"AGENTRY_LLM_MAX_RETRIES", "4"},
                                               {"AGENTRY_LLM_RETRY_BASE", "0.5"},
                                               {"AGENTRY_LLM_MAX_CONCURRENT", "3"},
                                               {"AGENTRY_LLM_RPM", "60"},
                                               {"AGENTRY_LLM_TPM", "90000"},
                                               {"AGENTRY_MOCK_LATENCY_MS", "250"}}));
  BOOST_TEST(config.provider == "mock");
  BOOST_TEST(config.api_key == kApiKey);
  BOOST_TEST(config.base_url == "http://localhost:8099/v1");
  BOOST_TEST(config.model == "llama3");
  BOOST_TEST(config.ca_file == "/etc/ca.pem");
  BOOST_TEST(config.connect_timeout.count() == 2000);
  BOOST_TEST(config.read_timeout.count() == 30'000);
  BOOST_TEST(config.call_timeout.count() == 45'000);
  BOOST_TEST(config.retry.max_retries == 4);
  BOOST_TEST(config.retry.base_seconds == 0.5);
  BOOST_TEST(config.max_concurrent == 3);
  BOOST_TEST(config.effective_requests_per_minute() == 60);
  BOOST_TEST(config.tokens_per_minute == 90000);
  BOOST_TEST(config.mock_latency.count() == 250);
}

BOOST_AUTO_TEST_CASE(a_malformed_value_names_its_variable) {
  try {
    LlmConfig::from_env(env({{"AGENTRY_LLM_MAX_CONCURRENT", "lots"}}));
    BOOST_FAIL("should throw");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("AGENTRY_LLM_MAX_CONCURRENT") != std::string::npos, e.what());
  }
  BOOST_CHECK_THROW(LlmConfig::from_env(env({{"AGENTRY_LLM_PROVIDER", "claude"}})), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(flags_set_the_same_settings) {
  LlmConfig config;
  BOOST_TEST(config.apply_flag("--llm-ca-file", "/tmp/ca.pem"));
  BOOST_TEST(config.apply_flag("--llm-provider", "openai"));
  BOOST_TEST(config.apply_flag("--llm-max-concurrent", "5"));
  BOOST_TEST(!config.apply_flag("--port", "8080"));
  BOOST_TEST(!config.apply_flag("--llm-api-key", "sk"), "the key is never a flag");
  BOOST_TEST(config.ca_file == "/tmp/ca.pem");
  BOOST_TEST(config.provider == "openai");
  BOOST_TEST(config.max_concurrent == 5);
  BOOST_CHECK_THROW(config.apply_flag("--llm-rpm", "-1"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_banner_never_shows_the_key_or_url_credentials) {
  LlmConfig config;
  config.provider = "openai";
  config.api_key = kApiKey;
  config.base_url = "https://user:pass@llm.example.com/v1";
  const auto line = config.describe();
  BOOST_TEST(line == "LLM provider: openai at https://llm.example.com/v1 (model gpt-4o-mini)");
}

BOOST_AUTO_TEST_CASE(the_factory_refuses_bad_settings_with_a_reason) {
  LlmConfig config;
  config.provider = "openai";
  config.base_url = "ftp://example.com";
  BOOST_CHECK_THROW(make_llm_client(config), std::invalid_argument);
  config.provider = "nope";
  BOOST_CHECK_THROW(make_llm_client(config), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_configured_client_talks_to_an_openai_compatible_server) {
  server::MockLlmServer server;
  server.start(0);
  LlmConfig config = LlmConfig::from_env(env({{"OPENAI_API_KEY", kApiKey}, {"OPENAI_BASE_URL", server.base_url()}}));
  const auto client = make_llm_client(config);
  TestControl control;
  RecordingListener listener;
  const ChatReply reply = client->chat(json_request("E2"), control, listener);
  BOOST_TEST(reply.json.contains("profile"));
  BOOST_TEST(reply.model == "gpt-4o-mini", "the default model was sent");
  BOOST_TEST(server.stats().by_agent.at("E2") == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
