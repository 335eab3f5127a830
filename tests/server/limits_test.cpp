// Request limits: slow and oversized clients, deep JSON, too many or too
// large headers, connections per address, and a port that is already taken.
#include <boost/test/unit_test.hpp>

#include <Poco/Net/StreamSocket.h>

#include "api_fixture.h"
#include "support/process.h"

using namespace agentry;
using agentry::testing::ApiFixture;
using agentry::testing::FixtureOptions;
using nlohmann::json;

namespace {

Poco::Net::StreamSocket connect(const ApiFixture& api) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(api.port())));
  socket.setReceiveTimeout(Poco::Timespan(5, 0));
  return socket;
}

void send_text(Poco::Net::StreamSocket& socket, const std::string& text) {
  socket.sendBytes(text.data(), static_cast<int>(text.size()));
}

// Everything the server sends until it closes the connection (or the read times out).
std::string read_all(Poco::Net::StreamSocket& socket) {
  std::string text;
  char buffer[4096];
  try {
    for (;;) {
      const int n = socket.receiveBytes(buffer, sizeof buffer);
      if (n <= 0) return text;
      text.append(buffer, static_cast<size_t>(n));
    }
  } catch (const Poco::Exception&) {
    return text;  // reset or timed out: what came so far
  }
}

FixtureOptions few_threads() {
  FixtureOptions options;
  options.api.max_threads = 4;
  options.api.receive_timeout = std::chrono::seconds(4);
  return options;
}

std::string nested(int depth, const std::string& inner = "1") {
  return std::string(static_cast<size_t>(depth), '[') + inner + std::string(static_cast<size_t>(depth), ']');
}

}  // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(slowloris_clients_do_not_stop_a_normal_client) {
  ApiFixture api(few_threads());
  const std::string id = api.create_job("training");
  // 200 clients each start a request and send its headers a line at a time.
  std::vector<Poco::Net::StreamSocket> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(connect(api));
    send_text(slow.back(), "GET /api/v1/jobs/" + id + " HTTP/1.1\r\nHost: x\r\n");
  }
  for (int round = 0; round < 5; ++round) {
    for (auto& s : slow) send_text(s, "X-Slow-" + std::to_string(round) + ": 1\r\n");
    // While they dribble, a normal client gets its job status.
    const auto r = api.request("GET", "/api/v1/jobs/" + id);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body_json()["id"] == id);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Their heads never finished within receive_timeout: closed without a reply.
  for (auto& s : slow) BOOST_TEST(read_all(s).empty());
}

BOOST_AUTO_TEST_CASE(a_slow_small_body_holds_no_thread) {
  FixtureOptions options = few_threads();
  options.api.max_threads = 1;
  ApiFixture api(options);
  auto slow = connect(api);
  const std::string body = R"({"pipeline": "training"})";
  send_text(slow, "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  BOOST_TEST(api.request("GET", "/healthz").status == 200);
  send_text(slow, body.substr(5));
  BOOST_TEST(read_all(slow).rfind("HTTP/1.1 202", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_request_just_inside_the_head_and_waited_body_limits_is_served) {
  ApiFixture api(few_threads());
  const std::string body = json{{"pipeline", "training"}, {"input", {{"pad", std::string(16'000, 'x')}}}}.dump();
  BOOST_REQUIRE(body.size() < (16u << 10));
  std::string head = "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  while (head.size() < (31u << 10)) head += "X-Pad: " + std::string(1000, 'p') + "\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  auto c = connect(api);
  send_text(c, head + body);
  BOOST_TEST(read_all(c).rfind("HTTP/1.1 202", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_trickling_large_body_is_cut_off_at_the_body_timeout) {
  FixtureOptions options = few_threads();
  options.api.max_threads = 1;
  options.api.body_timeout = std::chrono::seconds(1);
  ApiFixture api(options);
  auto slow = connect(api);
  // Larger than the gate waits for, so it reaches the only thread; then 100
  // bytes every 200 ms, each well inside the receive timeout.
  send_text(slow, "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"pipeline\": ");
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    try {
      while (!stop) {
        send_text(slow, std::string(100, ' '));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    } catch (const Poco::Exception&) {
      // The server closed the connection.
    }
  });
  const auto reply = read_all(slow);
  stop = true;
  trickle.join();
  BOOST_TEST(reply.rfind("HTTP/1.1 408", 0) == 0, reply.substr(0, 200));
  BOOST_TEST(reply.find("request_timeout") != std::string::npos);
  BOOST_TEST(api.request("GET", "/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(connections_per_address_are_limited) {
  FixtureOptions options = few_threads();
  options.api.max_connections_per_ip = 5;
  ApiFixture api(options);
  std::vector<Poco::Net::StreamSocket> held;
  for (int i = 0; i < 5; ++i) held.push_back(connect(api));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto extra = connect(api);
  const auto reply = read_all(extra);
  BOOST_TEST(reply.rfind("HTTP/1.1 503", 0) == 0, reply);
  BOOST_TEST(reply.find("too_many_connections") != std::string::npos);
  // A held connection is still served, and frees its place when it closes.
  send_text(held[0], "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  BOOST_TEST(read_all(held[0]).rfind("HTTP/1.1 200", 0) == 0);
  held[0].close();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  BOOST_TEST(api.request("GET", "/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(deep_json_is_refused_with_a_clear_error) {
  ApiFixture api;
  const auto deep = api.request("POST", "/api/v1/jobs", std::string(10'000, '['));
  BOOST_TEST(deep.status == 400);
  BOOST_TEST(deep.error_code() == "invalid_json");
  BOOST_TEST(deep.error_message().find("deeper than 64 levels") != std::string::npos, deep.body);
  const auto deep_input =
      api.request("POST", "/api/v1/jobs", R"({"pipeline": "training", "input": {"a": )" + nested(70) + "}}");
  BOOST_TEST(deep_input.status == 400);
  // Just inside the limit: body object, input object, 62 arrays.
  const auto fits =
      api.request("POST", "/api/v1/jobs", R"({"pipeline": "training", "input": {"a": )" + nested(62) + "}}");
  BOOST_TEST(fits.status == 202, fits.body);
  BOOST_TEST(api.request("GET", "/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(oversized_or_too_many_headers_get_431) {
  ApiFixture api(few_threads());
  {
    auto c = connect(api);  // one 40 KiB header: over the 32 KiB head limit
    send_text(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40 << 10, 'a') + "\r\n\r\n");
    const auto reply = read_all(c);
    BOOST_TEST(reply.rfind("HTTP/1.1 431", 0) == 0, reply.substr(0, 200));
    BOOST_TEST(reply.find("header_too_large") != std::string::npos);
    std::ostringstream metrics;
    api.metrics.write_prometheus(metrics);
    BOOST_TEST(metrics.str().find(R"(route="refused",method="OTHER",code="431"} 1)") != std::string::npos,
               metrics.str());
  }
  {
    auto c = connect(api);  // a head that never ends and keeps growing
    std::string endless = "GET /healthz HTTP/1.1\r\n";
    while (endless.size() < (40 << 10)) endless += "X-More: " + std::string(100, 'b') + "\r\n";
    send_text(c, endless);
    BOOST_TEST(read_all(c).rfind("HTTP/1.1 431", 0) == 0);
  }
  {
    auto c = connect(api);  // 150 small headers: Poco's limit is 100
    std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 150; ++i) head += "X-H" + std::to_string(i) + ": v\r\n";
    send_text(c, head + "\r\n");
    BOOST_TEST(read_all(c).rfind("HTTP/1.1 431", 0) == 0);
  }
  {
    auto c = connect(api);  // one 10 KiB value: Poco's limit is 8 KiB
    send_text(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(10 << 10, 'c') + "\r\n\r\n");
    BOOST_TEST(read_all(c).rfind("HTTP/1.1 431", 0) == 0);
  }
  BOOST_TEST(api.request("GET", "/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(a_job_with_its_input_on_request) {
  ApiFixture api;
  const json input = {{"client", {{"name", "Åsa"}, {"goals", {"strength"}}}}};
  const std::string id = api.create_job("training", input, 3);
  const auto plain = api.job(id);
  BOOST_TEST(!plain.contains("input"));
  const auto with_input = api.request("GET", "/api/v1/jobs/" + id + "?input=1").body_json();
  BOOST_TEST(with_input["input"] == input);
  BOOST_TEST(with_input["pipeline"] == "training");
  BOOST_TEST(with_input["priority"] == 3);
}

BOOST_AUTO_TEST_CASE(a_second_server_on_a_taken_port_fails_to_start) {
  ApiFixture first;
  server::ApiOptions options;
  options.port = first.port();
  server::ApiServer second(options, server::ApiServices{.store = *first.store, .registry = first.registry()});
  try {
    second.start();
    BOOST_ERROR("a second server bound port " << first.port());
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find("port " + std::to_string(first.port()) + " is in use") != std::string::npos,
               e.what());
  }
  BOOST_TEST(first.request("GET", "/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(agentry_serve_on_a_taken_port_exits_with_a_clear_error) {
  ApiFixture first;
  const auto dir = std::filesystem::temp_directory_path() / ("agentry-port-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string log = (dir / "serve.log").string();
  testing::ChildProcess serve({testing::agentry_binary(), "serve", "--port", std::to_string(first.port()), "--db",
                               "sqlite:" + (dir / "p.db").string(), "--scripts", testing::shipped_scripts().string()},
                              {}, log);
  const auto code = serve.wait(std::chrono::seconds(20));
  BOOST_REQUIRE_MESSAGE(code.has_value(), "agentry serve kept running on a taken port: " << testing::tail_of(log));
  BOOST_TEST(*code != 0);
  BOOST_TEST(testing::tail_of(log).find("port " + std::to_string(first.port()) + " is in use") != std::string::npos,
             testing::tail_of(log));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
