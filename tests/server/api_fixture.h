// A real API server on 127.0.0.1 (port 0) over a fresh SQLite store and the
// shipped scripts, optionally with a scheduler running jobs on the mock LLM,
// and a small blocking HTTP client for the tests.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/jobs/store.h"
#include "runtime/llm/llm_client.h"
#include "runtime/llm/mock_provider.h"
#include "runtime/lua/script_registry.h"
#include "runtime/scheduler/scheduler.h"
#include "server/http/api_server.h"
#include "server/http/metrics.h"
#include "support/script_dir.h"
#include "support/store_databases.h"

namespace agentry::testing {

using nlohmann::json;

struct HttpResult {
  int status = 0;
  Poco::Net::HTTPResponse response;
  std::string body;

  json body_json() const { return json::parse(body); }
  std::string header(const std::string& name) const { return response.get(name, ""); }
  // The error code of an error-shaped body, "" otherwise.
  std::string error_code() const {
    const auto j = json::parse(body, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
  std::string error_message() const { return json::parse(body)["error"].value("message", ""); }
};

using HeaderList = std::map<std::string, std::string>;

struct FixtureOptions {
  bool scheduler = false;
  std::filesystem::path scripts = shipped_scripts();
  server::ApiOptions api = [] {
    server::ApiOptions o;
    o.port = 0;
    o.max_threads = 8;
    return o;
  }();
};

class ApiFixture {
 public:
  explicit ApiFixture(FixtureOptions options = {}) : registry_(options.scripts) {
    jobs::StoreOptions store_options;
    store_options.url = test::fresh_sqlite_url();
    store = jobs::JobStore::open(store_options);
    registry_.reload();
    if (options.scheduler) {
      scheduler::SchedulerOptions so;
      so.max_running = 2;
      so.poll_interval = std::chrono::milliseconds(50);
      auto llm = std::make_shared<llm::LlmClient>(std::make_shared<llm::MockProvider>());
      scheduler = std::make_unique<scheduler::Scheduler>(so, *store, registry_, llm);
      scheduler->start();
    }
    server::ApiServices services{.store = *store, .registry = registry_, .scheduler = scheduler.get()};
    services.accepting = [this] { return accepting.load(); };
    services.metrics = &metrics;
    server = std::make_unique<server::ApiServer>(options.api, services);
    server->start();
  }

  ~ApiFixture() {
    server->stop();
    if (scheduler) scheduler->shutdown();
  }

  int port() const { return server->port(); }
  lua::ScriptRegistry& registry() { return registry_; }

  HttpResult request(const std::string& method, const std::string& path, const std::string& body = "",
                     const HeaderList& headers = {}) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port()));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() || method == "POST") {
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    HttpResult result;
    std::istream& in = session.receiveResponse(result.response);
    result.status = result.response.getStatus();
    std::ostringstream out;
    Poco::StreamCopier::copyStream(in, out);
    result.body = out.str();
    return result;
  }

  HttpResult post(const std::string& path, const json& body, const HeaderList& headers = {}) const {
    return request("POST", path, body.dump(), headers);
  }

  // POST /api/v1/jobs; returns the new job's id.
  std::string create_job(const std::string& pipeline, json input = json::object(), int priority = 0) const {
    const auto r = post("/api/v1/jobs", {{"pipeline", pipeline}, {"input", input}, {"priority", priority}});
    if (r.status != 202) throw std::runtime_error("create failed: " + std::to_string(r.status) + " " + r.body);
    return r.body_json()["job_id"];
  }

  json job(const std::string& id) const {
    const auto r = request("GET", "/api/v1/jobs/" + id);
    if (r.status != 200) throw std::runtime_error("get failed: " + std::to_string(r.status) + " " + r.body);
    return r.body_json();
  }

  // Polls the job until its status is final; fails after `limit`.
  json wait_finished(const std::string& id, std::chrono::seconds limit = std::chrono::seconds(30)) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      json doc = job(id);
      const std::string status = doc["status"];
      if (status == "completed" || status == "failed" || status == "cancelled") return doc;
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("job " + id + " still " + status + " after the time limit");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Declared in the order they depend on each other, so destroyed in reverse.
 private:
  lua::ScriptRegistry registry_;

 public:
  server::Metrics metrics;
  std::atomic<bool> accepting{true};
  std::unique_ptr<jobs::JobStore> store;
  std::unique_ptr<scheduler::Scheduler> scheduler;
  std::unique_ptr<server::ApiServer> server;
};

// One message of an event stream.
struct SseMessage {
  std::string id;
  std::string event;
  std::string data;
};

// Reads an event stream until `end` (or `deleted`) arrives or the server
// closes it; comments and `retry:` lines are skipped.
class SseClient {
 public:
  SseClient(int port, const std::string& path, const HeaderList& headers = {})
      : session_("127.0.0.1", static_cast<Poco::UInt16>(port)) {
    session_.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) req.set(name, value);
    session_.sendRequest(req);
    in_ = &session_.receiveResponse(response_);
  }

  const Poco::Net::HTTPResponse& response() const { return response_; }
  int status() const { return response_.getStatus(); }

  // The next message, or nothing when the stream ended.
  std::optional<SseMessage> next() {
    SseMessage m;
    std::string line;
    bool any = false;
    while (std::getline(*in_, line)) {
      if (line.empty()) {
        if (any) return m;
        continue;
      }
      if (line.rfind("id: ", 0) == 0) m.id = line.substr(4), any = true;
      if (line.rfind("event: ", 0) == 0) m.event = line.substr(7), any = true;
      if (line.rfind("data: ", 0) == 0) m.data = line.substr(6), any = true;
    }
    return std::nullopt;
  }

  std::vector<SseMessage> read_to_end() {
    std::vector<SseMessage> all;
    while (auto m = next()) {
      all.push_back(*m);
      if (m->event == "end" || m->event == "deleted") break;
    }
    return all;
  }

  void close() { session_.abort(); }

 private:
  Poco::Net::HTTPClientSession session_;
  Poco::Net::HTTPResponse response_;
  std::istream* in_ = nullptr;
};

}  // namespace agentry::testing
