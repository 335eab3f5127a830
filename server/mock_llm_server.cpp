#include "server/mock_llm_server.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>

#include "runtime/llm/mock_provider.h"

namespace agentry::server {

namespace {
constexpr size_t kMaxRecords = 10'000;
}

nlohmann::json MockLlmStats::to_json() const {
  return {{"total", total},         {"by_agent", by_agent},           {"by_status", by_status},
          {"in_flight", in_flight}, {"max_in_flight", max_in_flight}, {"connections", connections}};
}

// Everything the request handlers share; outlives the HTTP server threads.
struct MockLlmServer::State {
  explicit State(MockLlmOptions o)
      : options(std::move(o)),
        plan(options.script, options.agent_scripts, options.fail_rates,
             options.seed ? options.seed : std::random_device{}()) {}

  const MockLlmOptions options;
  FaultPlan plan;
  std::atomic<int64_t> next_id{0};
  std::atomic<bool> stopping{false};
  const Poco::Net::HTTPServer* server = nullptr;  // for the connection count

  mutable std::mutex mutex;  // guards everything below
  std::condition_variable stopped;
  MockLlmStats stats;
  std::deque<MockRequestRecord> records;
  // An agent's fixture file, parsed and as the reply text a JSON request gets.
  struct Fixture {
    nlohmann::json value;
    std::string text;         // value.dump()
    std::string quoted_text;  // text as a JSON string, ready for the completion body
  };
  std::map<std::string, std::shared_ptr<const Fixture>> fixtures;  // by agent; null: none

  // Sleeps until `t`; false when the server is stopping.
  bool pause_until(std::chrono::steady_clock::time_point t) {
    std::unique_lock lock(mutex);
    return !stopped.wait_until(lock, t, [&] { return stopping.load(); });
  }
  bool pause(std::chrono::milliseconds d) { return pause_until(std::chrono::steady_clock::now() + d); }

  void begin(const std::string& agent, MockAction action) {
    std::lock_guard lock(mutex);
    ++stats.total;
    ++stats.by_agent[agent];
    stats.max_in_flight = std::max(stats.max_in_flight, ++stats.in_flight);
    records.push_back({std::chrono::steady_clock::now(), agent, action});
    if (records.size() > kMaxRecords) records.pop_front();
  }

  void end(const std::string& outcome) {
    std::lock_guard lock(mutex);
    --stats.in_flight;
    ++stats.by_status[outcome];
  }

  // Read once and shared: serialising a fixture for every call was most of
  // the mock's CPU, which the benchmarks share with agentry.
  std::shared_ptr<const Fixture> fixture(const std::string& agent) {
    if (options.fixtures_dir.empty() || agent.empty() || agent.find('/') != std::string::npos) return nullptr;
    std::lock_guard lock(mutex);
    auto [it, inserted] = fixtures.try_emplace(agent, nullptr);
    if (inserted) {
      std::ifstream in(options.fixtures_dir + "/" + agent + ".mock.json");
      auto value = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
      if (value.is_object()) {
        std::string text = value.dump();
        std::string quoted = nlohmann::json(text).dump();
        it->second = std::make_shared<const Fixture>(Fixture{std::move(value), std::move(text), std::move(quoted)});
      }
    }
    return it->second;
  }
};

namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

void send_text(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& text) {
  response.setStatusAndReason(status);
  response.setContentType("application/json");
  response.sendBuffer(text.data(), text.size());
}

void send_json(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const nlohmann::json& body) {
  send_text(response, status, body.dump());
}

// An OpenAI chat completion; quoted_content is the reply text as a JSON
// string, so a fixture's is escaped once, not on every call.
std::string completion_body(int64_t id, const std::string& model, const std::string& quoted_content,
                            const jobs::Usage& usage) {
  const nlohmann::json usage_json = {{"prompt_tokens", usage.prompt_tokens},
                                     {"completion_tokens", usage.completion_tokens},
                                     {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
  return R"({"choices":[{"finish_reason":"stop","index":0,"message":{"content":)" + quoted_content +
         R"(,"role":"assistant"}}],"created":)" + std::to_string(Poco::Timestamp().epochTime()) +
         R"(,"id":"chatcmpl-mock-)" + std::to_string(id) + R"(","model":)" + nlohmann::json(model).dump() +
         R"(,"object":"chat.completion","usage":)" + usage_json.dump() + "}";
}

nlohmann::json api_error(const std::string& message, const std::string& type, const nlohmann::json& code) {
  return {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}};
}

std::vector<std::string> split_fields(const std::string& header) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (start <= header.size()) {
    const auto comma = header.find(',', start);
    auto field = header.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    field.erase(0, field.find_first_not_of(' '));
    field.erase(field.find_last_not_of(' ') + 1);
    if (!field.empty()) fields.push_back(field);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

// The ChatRequest the in-process mock would have seen for this body.
llm::ChatRequest request_from_body(const nlohmann::json& body, const HTTPServerRequest& http,
                                   const std::string& agent) {
  llm::ChatRequest request;
  request.agent = agent;
  request.model = body.value("model", "");
  if (const auto it = body.find("messages"); it != body.end() && it->is_array()) {
    for (const auto& m : *it) {
      if (!m.is_object()) continue;
      const std::string role = m.value("role", "");
      const auto content = m.find("content");
      const std::string text = content != m.end() && content->is_string() ? content->get<std::string>() : "";
      if (role == "system")
        request.system += (request.system.empty() ? "" : "\n") + text;
      else
        request.messages.push_back({role, text});
    }
  }
  if (const auto it = body.find("response_format"); it != body.end() && it->is_object()) {
    request.json = true;
    if (it->value("type", "") == "json_schema") request.json_schema = it->value("json_schema", nlohmann::json());
  }
  request.required_fields = split_fields(http.get("X-Agentry-Required-Fields", ""));
  return request;
}

class ChatHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ChatHandler(std::shared_ptr<MockLlmServer::State> state) : state_(std::move(state)) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    auto& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
    socket.setNoDelay(true);
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    const bool chat = path.size() >= 17 && path.compare(path.size() - 17, 17, "/chat/completions") == 0;
    if (request.getMethod() == "POST" && chat) return completion(request, response);
    if (request.getMethod() == "GET" && path == "/stats")
      return send_json(response, HTTPResponse::HTTP_OK, stats_json());
    if (request.getMethod() == "GET" && path == "/healthz")
      return send_json(response, HTTPResponse::HTTP_OK, {{"status", "ok"}});
    if (request.getMethod() == "GET" && path.size() >= 7 && path.compare(path.size() - 7, 7, "/models") == 0)
      return send_json(response, HTTPResponse::HTTP_OK,
                       {{"object", "list"}, {"data", {{{"id", "mock"}, {"object", "model"}}}}});
    send_json(response, HTTPResponse::HTTP_NOT_FOUND,
              api_error("no route for " + request.getMethod() + " " + path, "invalid_request_error", nullptr));
  }

 private:
  nlohmann::json stats_json() {
    MockLlmStats s;
    {
      std::lock_guard lock(state_->mutex);
      s = state_->stats;
    }
    if (state_->server) s.connections = state_->server->totalConnections();
    return s.to_json();
  }

  void completion(HTTPServerRequest& request, HTTPServerResponse& response) {
    const auto received = std::chrono::steady_clock::now();
    const std::string agent = request.get("X-Agentry-Agent", "");
    std::string text;
    Poco::StreamCopier::copyToString(request.stream(), text);
    const MockAction action = state_->plan.next(agent);
    state_->begin(agent, action);
    std::string outcome = "reset";
    try {
      outcome = answer(request, response, agent, action, text, received);
    } catch (...) {
      state_->end(outcome);
      throw;
    }
    state_->end(outcome);
  }

  // Returns the outcome for /stats.
  // The latency runs from the request's arrival to the answer: the mock's
  // own work happens inside it, as a model's does, so a benchmark against a
  // 100 ms model sees 100 ms calls however busy the machine is.
  std::string answer(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& agent,
                     MockAction action, const std::string& text, std::chrono::steady_clock::time_point received) {
    const auto& o = state_->options;
    auto due = received;
    if (o.latency.count() > 0 || o.jitter.count() > 0) {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      due += o.latency;
      if (o.jitter.count() > 0)
        due += std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, o.jitter.count())(rng));
    }
    const auto wait_due = [&] { return due <= received || state_->pause_until(due); };
    const auto body = nlohmann::json::parse(text, nullptr, false);
    const bool answers = action == MockAction::ok || action == MockAction::invalid || action == MockAction::partial ||
                         action == MockAction::fenced;
    if (!(body.is_object() && answers) && !wait_due()) return drop(request, response);
    if (!body.is_object()) {
      send_json(response, HTTPResponse::HTTP_BAD_REQUEST,
                api_error("the request body is not a JSON object", "invalid_request_error", nullptr));
      return "400";
    }
    const std::string model = body.value("model", "mock");
    const auto fail = [&](HTTPResponse::HTTPStatus status, const nlohmann::json& error, bool retry_after = false) {
      if (retry_after && o.retry_after_seconds) {
        if (o.retry_after_as_date) {
          const Poco::Timestamp at = Poco::Timestamp() + Poco::Timespan(*o.retry_after_seconds, 0);
          response.set("Retry-After", Poco::DateTimeFormatter::format(at, Poco::DateTimeFormat::HTTP_FORMAT));
        } else {
          response.set("Retry-After", std::to_string(*o.retry_after_seconds));
        }
      }
      send_json(response, status, error);
      return std::to_string(static_cast<int>(status));
    };
    switch (action) {
      case MockAction::bad_request:
        return fail(HTTPResponse::HTTP_BAD_REQUEST,
                    api_error("Invalid value for 'temperature': must be at most 2 (injected by agentry mock-llm).",
                              "invalid_request_error", "invalid_value"));
      case MockAction::unauthorized: {
        // Echoes the key in full, unlike OpenAI (which masks it), so tests
        // prove the client redacts what an API sends back.
        const std::string auth = request.get("Authorization", "");
        const std::string key = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : auth;
        return fail(HTTPResponse::HTTP_UNAUTHORIZED,
                    api_error("Incorrect API key provided: " + key +
                                  ". You can find your API key at https://platform.openai.com/account/api-keys.",
                              "invalid_request_error", "invalid_api_key"));
      }
      case MockAction::forbidden:
        return fail(HTTPResponse::HTTP_FORBIDDEN, api_error("Project does not have access to model `" + model + "`.",
                                                            "invalid_request_error", "model_not_found"));
      case MockAction::not_found:
        return fail(HTTPResponse::HTTP_NOT_FOUND,
                    api_error("The model `" + model + "` does not exist or you do not have access to it.",
                              "invalid_request_error", "model_not_found"));
      case MockAction::rate_limited:
        return fail(HTTPResponse::HTTP_TOO_MANY_REQUESTS,
                    api_error("Rate limit reached for requests (injected by agentry mock-llm).", "requests",
                              "rate_limit_exceeded"),
                    true);
      case MockAction::quota:
        return fail(HTTPResponse::HTTP_TOO_MANY_REQUESTS,
                    api_error("You exceeded your current quota, please check your plan and billing details.",
                              "insufficient_quota", "insufficient_quota"));
      case MockAction::context:
        return fail(HTTPResponse::HTTP_BAD_REQUEST,
                    api_error("This model's maximum context length is 128000 tokens. However, your messages "
                              "resulted in 130000 tokens. Please reduce the length of the messages.",
                              "invalid_request_error", "context_length_exceeded"));
      case MockAction::server_error:
        return fail(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR,
                    api_error("The server had an error while processing your request.", "server_error", nullptr));
      case MockAction::bad_gateway:
        return fail(HTTPResponse::HTTP_BAD_GATEWAY, api_error("Bad gateway.", "server_error", nullptr));
      case MockAction::unavailable:
        return fail(HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                    api_error("The server is overloaded or not ready yet.", "server_error", nullptr), true);
      case MockAction::gateway_timeout:
        return fail(HTTPResponse::HTTP_GATEWAY_TIMEOUT, api_error("Gateway timeout.", "server_error", nullptr));
      case MockAction::hang: hang(request); return drop(request, response, "hang");
      case MockAction::reset: return drop(request, response);
      case MockAction::ok:
      case MockAction::invalid:
      case MockAction::partial:
      case MockAction::fenced: break;
    }
    auto chat = request_from_body(body, request, agent);
    const auto fixture = state_->fixture(agent);
    const bool kept_text = fixture && chat.json;
    if (fixture && !kept_text) chat.mock_fixture = std::shared_ptr<const nlohmann::json>(fixture, &fixture->value);
    const llm::ChatReply canned =
        kept_text ? llm::MockProvider::canned_reply(chat, fixture->text) : llm::MockProvider::canned_reply(chat);
    std::string content = canned.text;
    if (action == MockAction::invalid) content = "Sorry, I cannot write JSON today.";
    if (action == MockAction::partial) content = R"({"note": "a JSON reply without the required fields"})";
    if (action == MockAction::fenced) content = "Here it is:\n```json\n" + canned.text + "\n```\n";
    const bool as_kept = kept_text && action == MockAction::ok;
    const std::string reply = completion_body(
        ++state_->next_id, model, as_kept ? fixture->quoted_text : nlohmann::json(content).dump(), canned.usage);
    if (!wait_due()) return drop(request, response);
    send_text(response, HTTPResponse::HTTP_OK, reply);
    return "200";
  }

  // Waits until the client gives up (closes its end), the hang limit, or stop().
  void hang(HTTPServerRequest& request) {
    auto& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
    const auto until = std::chrono::steady_clock::now() + state_->options.hang_limit;
    while (std::chrono::steady_clock::now() < until && state_->pause(std::chrono::milliseconds(20))) {
      try {
        if (socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ) && socket.available() <= 0) return;
      } catch (const Poco::Exception&) {
        return;
      }
    }
  }

  // Closes the connection with a TCP reset and no answer.
  std::string drop(HTTPServerRequest& request, HTTPServerResponse& response, std::string outcome = "reset") {
    response.setKeepAlive(false);
    auto socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).detachSocket();
    try {
      socket.setLinger(true, 0);
      socket.close();
    } catch (const Poco::Exception&) {
      // Already gone: the client closed first.
    }
    return outcome;
  }

  std::shared_ptr<MockLlmServer::State> state_;
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(std::shared_ptr<MockLlmServer::State> state) : state_(std::move(state)) {}
  // Poco takes ownership of the raw pointer and deletes it after the request.
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new ChatHandler(state_);
  }

 private:
  std::shared_ptr<MockLlmServer::State> state_;
};

}  // namespace

MockLlmServer::MockLlmServer(MockLlmOptions options) : state_(std::make_shared<State>(std::move(options))) {}

MockLlmServer::~MockLlmServer() { stop(); }

uint16_t MockLlmServer::start(uint16_t port) {
  const auto& o = state_->options;
  const Poco::Net::SocketAddress address(o.host, port);
  Poco::Net::ServerSocket socket;
  if (!o.tls_cert_file.empty()) {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, o.tls_key_file,
                                                             o.tls_cert_file, "", Poco::Net::Context::VERIFY_NONE);
    socket = Poco::Net::SecureServerSocket(address, 256, context);
  } else {
    socket = Poco::Net::ServerSocket(address, 256);
  }
  port_ = socket.address().port();

  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(o.threads);
  params->setMaxQueued(4096);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);  // unlimited
  params->setKeepAliveTimeout(Poco::Timespan(10, 0));
  threads_ = std::make_unique<Poco::ThreadPool>(2, o.threads + 2);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(state_), *threads_, socket, params);
  state_->server = server_.get();
  server_->start();
  return port_;
}

void MockLlmServer::stop() {
  if (!server_) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->stopped.notify_all();
  server_->stopAll(true);
  threads_->joinAll();
  {
    std::lock_guard lock(state_->mutex);
    state_->stats.connections = server_->totalConnections();
  }
  state_->server = nullptr;
  server_.reset();
  threads_.reset();
}

std::string MockLlmServer::base_url() const {
  const bool tls = !state_->options.tls_cert_file.empty();
  return std::string(tls ? "https" : "http") + "://" + state_->options.host + ":" + std::to_string(port_) + "/v1";
}

MockLlmStats MockLlmServer::stats() const {
  MockLlmStats s;
  {
    std::lock_guard lock(state_->mutex);
    s = state_->stats;
  }
  if (server_) s.connections = server_->totalConnections();
  return s;
}

std::vector<MockRequestRecord> MockLlmServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return {state_->records.begin(), state_->records.end()};
}

}  // namespace agentry::server
