// HTTPS: certificates are verified by default; a private CA is trusted only
// when given explicitly (--llm-ca-file / AGENTRY_LLM_CA_FILE).
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/llm/llm_test_support.h"

namespace agentry::llm::test {

namespace {

// A self-signed certificate for localhost / 127.0.0.1 in a temp directory,
// made with the openssl CLI.
struct SelfSignedCert {
  SelfSignedCert() {
    dir = std::filesystem::temp_directory_path() / ("agentry-llm-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
        key + " -out " + cert + " >/dev/null 2>&1";
    BOOST_REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "openssl made a certificate");
  }
  ~SelfSignedCert() { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
  std::string cert;
  std::string key;
};

server::MockLlmOptions tls_options(const SelfSignedCert& tls) {
  server::MockLlmOptions options;
  options.tls_cert_file = tls.cert;
  options.tls_key_file = tls.key;
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(https)

BOOST_AUTO_TEST_CASE(a_self_signed_endpoint_is_rejected_by_default) {
  SelfSignedCert tls;
  MockApi api(tls_options(tls));
  BOOST_TEST(api.server.base_url().rfind("https://", 0) == 0u);
  auto client = api.client(fast_retries(2));
  TestControl control;
  RecordingListener listener;
  try {
    client->chat(simple_request(), control, listener);
    BOOST_FAIL("an unverified certificate must be rejected");
  } catch (const LlmError& e) {
    const std::string message = e.what();
    BOOST_TEST_MESSAGE("rejected: " << message);
    BOOST_TEST((e.kind == LlmError::Kind::permanent));
    BOOST_TEST(message.find("certificate") != std::string::npos, message);
    BOOST_TEST(message.find("--llm-ca-file") != std::string::npos, message);
  }
  BOOST_TEST(listener.retries().empty(), "a bad certificate is not retried");
  BOOST_TEST(api.server.stats().total == 0, "no request was sent over the unverified connection");
}

BOOST_AUTO_TEST_CASE(the_endpoint_is_accepted_with_its_ca_file) {
  SelfSignedCert tls;
  MockApi api(tls_options(tls));
  auto options = api.provider_options();
  options.ca_file = tls.cert;
  auto client = api.client_with(options);
  TestControl control;
  RecordingListener listener;
  for (int i = 0; i < 3; ++i) {
    const ChatReply reply = client->chat(json_request(), control, listener);
    BOOST_TEST(reply.json.contains("profile"));
  }
  BOOST_TEST(api.server.stats().total == 3);
  BOOST_TEST(api.provider->pool().sessions_created() == 1u, "one TLS connection, kept alive");
}

BOOST_AUTO_TEST_CASE(a_hanging_https_call_is_cancelled_promptly) {
  SelfSignedCert tls;
  auto server_options = tls_options(tls);
  server_options.script = server::parse_action_list("hang");
  MockApi api(server_options);
  auto options = api.provider_options();
  options.ca_file = tls.cert;
  options.read_timeout = 30s;
  auto client = api.client_with(options);
  TestControl control;
  RecordingListener listener;
  Clock::time_point returned;
  bool cancelled = false;
  std::thread call([&] {
    try {
      client->chat(simple_request(), control, listener);
    } catch (const LlmError& e) {
      cancelled = e.kind == LlmError::Kind::cancelled;
    }
    returned = Clock::now();
  });
  std::this_thread::sleep_for(300ms);
  const auto cancelled_at = Clock::now();
  control.cancel();
  call.join();
  BOOST_TEST(cancelled);
  BOOST_TEST(ms_between(cancelled_at, returned) < 200);
}

BOOST_AUTO_TEST_CASE(an_unreadable_ca_file_is_refused_at_start) {
  OpenAiOptions options;
  options.base_url = "https://127.0.0.1:9/v1";
  options.ca_file = "/nonexistent/ca.pem";
  BOOST_CHECK_THROW(OpenAiProvider{options}, std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
