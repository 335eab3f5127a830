// `agentry mock-llm`: flags → MockLlmOptions, then serve until a signal.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <Poco/Exception.h>

#include "server/mock_llm_server.h"

namespace agentry::server {

namespace {

constexpr const char* kUsage = R"(usage: agentry mock-llm [options]

An OpenAI-compatible chat-completions server for tests, demos and benchmarks.
Point agentry at it with OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 and any
OPENAI_API_KEY. Replies are what the offline mock provider would give
(per agent: X-Agentry-Agent, X-Agentry-Required-Fields headers).
GET /stats returns request counts.

  --port N              listen port (default 8099; 0 picks a free one)
  --host ADDR           listen address (default 127.0.0.1)
  --latency-ms N        delay every answer by N ms (default 0)
  --jitter-ms N         plus a random 0..N ms (default 0)
  --fail-rate SPEC      random faults, e.g. 503=0.2,429=0.1,reset=0.05
  --script [AGENT:]SEQ  faults for successive requests (of AGENT), then
                        normal answers, e.g. 503,503,ok or E1:hang,ok;
                        repeatable
  --retry-after N       send Retry-After: N on 429 and 503 answers
  --retry-after-date    send Retry-After as an HTTP date instead
  --fixtures DIR        canned replies from DIR/<agent>.mock.json
  --hang-ms N           a hang ends after N ms (default 600000)
  --threads N           connections served at once (default 64)
  --tls-cert FILE       serve HTTPS with this certificate (PEM) ...
  --tls-key FILE        ... and this private key (PEM)
  --seed N              seed for --fail-rate draws
  --help                this text

Actions: ok 400 401 403 404 429 500 502 503 504 quota context hang reset
invalid (non-JSON content) partial (JSON without required fields) fence
)";

int to_int(std::string_view flag, const std::string& value) {
  size_t used = 0;
  const int n = std::stoi(value, &used);
  if (used != value.size() || n < 0) throw std::invalid_argument(std::string(flag) + " takes a number ≥ 0");
  return n;
}

}  // namespace

int run_mock_llm_command(int argc, char** argv) {
  MockLlmOptions options;
  int port = 8099;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view flag = argv[i];
      if (flag == "--help" || flag == "-h") {
        std::cout << kUsage;
        return 0;
      }
      if (flag == "--retry-after-date") {
        options.retry_after_as_date = true;
        continue;
      }
      if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + " needs a value");
      const std::string value = argv[++i];
      if (flag == "--port") {
        port = to_int(flag, value);
        if (port > 65535) throw std::invalid_argument("--port must be at most 65535");
      } else if (flag == "--host") {
        options.host = value;
      } else if (flag == "--latency-ms") {
        options.latency = std::chrono::milliseconds(to_int(flag, value));
      } else if (flag == "--jitter-ms") {
        options.jitter = std::chrono::milliseconds(to_int(flag, value));
      } else if (flag == "--fail-rate") {
        options.fail_rates = parse_fail_rates(value);
      } else if (flag == "--script") {
        const auto colon = value.find(':');
        if (colon == std::string::npos)
          options.script = parse_action_list(value);
        else
          options.agent_scripts[value.substr(0, colon)] = parse_action_list(value.substr(colon + 1));
      } else if (flag == "--retry-after") {
        options.retry_after_seconds = to_int(flag, value);
      } else if (flag == "--fixtures") {
        options.fixtures_dir = value;
      } else if (flag == "--hang-ms") {
        options.hang_limit = std::chrono::milliseconds(to_int(flag, value));
      } else if (flag == "--threads") {
        options.threads = std::max(1, to_int(flag, value));
      } else if (flag == "--tls-cert") {
        options.tls_cert_file = value;
      } else if (flag == "--tls-key") {
        options.tls_key_file = value;
      } else if (flag == "--seed") {
        options.seed = static_cast<uint64_t>(std::stoull(value));
      } else {
        throw std::invalid_argument("unknown option " + std::string(flag));
      }
    }
    if (options.tls_cert_file.empty() != options.tls_key_file.empty())
      throw std::invalid_argument("--tls-cert and --tls-key go together");
  } catch (const std::exception& e) {
    std::cerr << "agentry mock-llm: " << e.what() << "\n\n" << kUsage;
    return 2;
  }

  // Block the signals before any server thread starts, so every thread
  // inherits the mask and only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  MockLlmServer server(options);
  try {
    server.start(static_cast<uint16_t>(port));
  } catch (const Poco::Exception& e) {
    std::cerr << "agentry mock-llm: cannot listen on " << options.host << ":" << port << ": " << e.displayText()
              << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "agentry mock-llm: cannot listen on " << options.host << ":" << port << ": " << e.what() << "\n";
    return 1;
  }
  std::cout << "mock LLM server listening on " << server.base_url() << " (stats: GET /stats)" << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  server.stop();
  std::cout << "mock LLM server stopped: " << server.stats().to_json().dump() << std::endl;
  return 0;
}

}  // namespace agentry::server
