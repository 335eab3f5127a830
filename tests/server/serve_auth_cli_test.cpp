// `agentry serve --tokens FILE` with the CLI client: the token comes from
// --token-file or AGENTRY_TOKEN, a missing or refused one says what to do,
// and the token shows up in neither the client's output nor the server's log.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "server/http/auth.h"
#include "support/http_json.h"
#include "support/process.h"
#include "support/script_dir.h"

using namespace agentry;
using namespace agentry::testing;

namespace {

const std::string kToken = "cli-secret-4f0c9e";

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(serve_auth_cli)

BOOST_AUTO_TEST_CASE(the_cli_sends_its_token_and_never_prints_it) {
  const auto dir = std::filesystem::temp_directory_path() / ("agentry-auth-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const nlohmann::json tokens = {
      {{"name", "ci"}, {"owner", "acme"}, {"role", "client"}, {"sha256", server::to_hex(server::sha256_of(kToken))}}};
  write_file(dir / "tokens.json", tokens.dump());
  write_file(dir / "token", kToken + "\n");
  write_file(dir / "input.json", R"({"client": {"name": "Test"}})");
  const int port = free_port();
  const std::string log = (dir / "serve.log").string();
  ChildProcess serve(
      {agentry_binary(), "serve", "--port", std::to_string(port), "--tokens", (dir / "tokens.json").string(),
       "--no-workers", "--db", "sqlite:" + (dir / "a.db").string(), "--scripts", shipped_scripts().string()},
      {}, log);
  const auto up = poll_until(
      port, "/healthz", [](const nlohmann::json&) { return true; }, std::chrono::seconds(15));
  BOOST_REQUIRE_MESSAGE(up.status == 200, tail_of(log));
  const std::string server = " --server http://127.0.0.1:" + std::to_string(port);

  const auto anonymous = run_command("env -u AGENTRY_TOKEN " + agentry_binary() + " jobs" + server);
  BOOST_TEST(anonymous.exit_code == 1);
  BOOST_TEST(anonymous.output.find("unauthorized") != std::string::npos, anonymous.output);
  BOOST_TEST(anonymous.output.find("AGENTRY_TOKEN") != std::string::npos, anonymous.output);

  const auto submitted = run_command(agentry_binary() + " submit training --input " + (dir / "input.json").string() +
                                     " --token-file " + (dir / "token").string() + server);
  BOOST_TEST(submitted.exit_code == 0, submitted.output);
  const std::string id = submitted.output.substr(0, submitted.output.find('\n'));
  BOOST_TEST(id.size() == 32u, submitted.output);

  const auto listed = run_command("AGENTRY_TOKEN=" + kToken + " " + agentry_binary() + " jobs" + server);
  BOOST_TEST(listed.exit_code == 0, listed.output);
  BOOST_TEST(listed.output.find(id) != std::string::npos, listed.output);

  const auto refused = run_command("AGENTRY_TOKEN=wrong-" + kToken + " " + agentry_binary() + " job " + id + server);
  BOOST_TEST(refused.exit_code == 1);
  BOOST_TEST(refused.output.find("was refused") != std::string::npos, refused.output);

  serve.signal(SIGTERM);
  BOOST_TEST(serve.wait(std::chrono::seconds(20)).value_or(-1) == 0);
  const std::string server_log = tail_of(log, 1 << 20);
  BOOST_TEST(server_log.find("auth on: 1 API tokens") != std::string::npos, server_log);
  for (const auto& output : {anonymous.output, submitted.output, listed.output, refused.output, server_log})
    BOOST_TEST(output.find(kToken) == std::string::npos, output);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(without_tokens_serve_listens_on_loopback_only) {
  const auto dir = std::filesystem::temp_directory_path() / ("agentry-auth-off-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const int port = free_port();
  const std::string log = (dir / "serve.log").string();
  ChildProcess serve({agentry_binary(), "serve", "--port", std::to_string(port), "--bind", "0.0.0.0", "--no-workers",
                      "--db", "sqlite:" + (dir / "a.db").string(), "--scripts", shipped_scripts().string()},
                     {{"AGENTRY_TOKENS_FILE", ""}}, log);
  const auto up = poll_until(
      port, "/healthz", [](const nlohmann::json&) { return true; }, std::chrono::seconds(15));
  BOOST_REQUIRE_MESSAGE(up.status == 200, tail_of(log));
  serve.signal(SIGTERM);
  serve.wait(std::chrono::seconds(20));
  const std::string text = tail_of(log);
  BOOST_TEST(text.find("auth off: listening on 127.0.0.1 only, not 0.0.0.0; pass --tokens FILE") != std::string::npos,
             text);
  BOOST_TEST(text.find("listening on 127.0.0.1:" + std::to_string(port)) != std::string::npos, text);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
