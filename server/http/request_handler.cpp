#include "server/http/request_handler.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <istream>
#include <memory>
#include <random>

#include <spdlog/spdlog.h>

#include "runtime/jobs/store.h"
#include "runtime/log/log_context.h"

namespace agentry::server {
namespace {

using nlohmann::json;

// Unread request bodies up to this size are read and dropped after the reply,
// for at most kDiscardTime: closing a socket with unread input resets the
// connection, and the client would see the reset instead of our 413.
constexpr int64_t kDiscardLimit = 8 << 20;
constexpr std::chrono::seconds kDiscardTime{2};

void discard_unread_body(Poco::Net::HTTPServerRequest& request) {
  const auto declared = request.getContentLength64();
  if (declared > kDiscardLimit || (declared <= 0 && !request.getChunkedTransferEncoding())) return;
  try {
    std::istream& in = request.stream();
    char buffer[16384];
    int64_t total = 0;
    const auto deadline = std::chrono::steady_clock::now() + kDiscardTime;
    while (in && total <= kDiscardLimit && std::chrono::steady_clock::now() < deadline)
      total += static_cast<int64_t>(read_available(in, buffer, sizeof buffer));
  } catch (const std::exception&) {
    // The client went away: nothing left to protect.
  }
}

// What clients poll: answered, these log at debug so that a frontend polling
// a job every second, or a probe, does not bury the rest of the log (and a
// poll does not pay for a formatted line and a write to stderr). Failures log
// at info like everything else.
bool is_polled(const std::string& method, const std::string& route) {
  return route == "/healthz" || route == "/readyz" || route == "/metrics" ||
         (method == "GET" && route == "/api/v1/jobs/{id}");
}

// Methods outside this set share one metrics label, so clients cannot mint labels.
std::string method_label(const std::string& method) {
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
    if (method == m) return method;
  return "OTHER";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

Reply error_reply(const ApiError& e) {
  json body = e.extra();
  body["error"] = error_body(e.code(), e.what())["error"];
  Reply reply = Reply::of_json(e.status(), std::move(body));
  reply.headers = e.headers();
  return reply;
}

void send(Poco::Net::HTTPServerResponse& response, const Reply& reply) {
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  if (reply.json) {
    const std::string text = dump(*reply.json);
    response.setContentType("application/json; charset=utf-8");
    response.sendBuffer(text.data(), text.size());
  } else if (reply.text) {
    response.setContentType(reply.content_type);
    response.sendBuffer(reply.text->data(), reply.text->size());
  } else if (!reply.file.empty()) {
    response.sendFile(reply.file.string(), reply.content_type);
  } else {
    if (reply.status != 204) response.setContentLength(0);
    response.send();
  }
}

// The route whose token may come in the query: EventSource cannot send headers.
constexpr const char* kEventsRoute = "/api/v1/jobs/{id}/events";

ApiError unauthorized(const std::string& message, const char* bearer_error) {
  std::string challenge = "Bearer realm=\"agentry\"";
  if (*bearer_error) challenge += std::string(", error=\"") + bearer_error + "\"";
  return ApiError(401, "unauthorized", message).with_header("WWW-Authenticate", challenge);
}

class ApiRequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  ApiRequestHandler(const Router& router, const CorsPolicy& cors, Metrics& metrics, BodyLimits limits,
                    const TokenSet& tokens)
      : router_(router), cors_(cors), metrics_(metrics), limits_(limits), tokens_(tokens) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  Reply dispatch(ApiRequest& api, const std::string& origin, std::string& route);
  Principal authenticate(const ApiRequest& api, Access access, const std::string& route) const;

  const Router& router_;
  const CorsPolicy& cors_;
  Metrics& metrics_;
  BodyLimits limits_;
  const TokenSet& tokens_;
};

// Never puts the presented token into a message: errors, logs and metrics
// name tokens by their configured name only.
Principal ApiRequestHandler::authenticate(const ApiRequest& api, Access access, const std::string& route) const {
  if (!tokens_.enabled() || access == Access::open) return Principal{};
  std::optional<std::string> token;
  if (const auto header = api.header("Authorization")) {
    token = bearer_token(*header);
    if (!token) throw unauthorized("the Authorization header must be 'Bearer <token>'", "invalid_request");
  } else if (route == kEventsRoute) {
    token = api.query("access_token");
  }
  if (!token) throw unauthorized("this API needs a token: send 'Authorization: Bearer <token>'", "");
  auto principal = tokens_.authenticate(*token);
  if (!principal) throw unauthorized("the token is not valid; ask an admin for a current one", "invalid_token");
  if (!principal->may(access))
    throw ApiError(403, "forbidden",
                   "the token '" + principal->name + "' has role " + std::string(to_string(principal->role)) +
                       ", which may not " + api.method() + " " + route);
  return std::move(*principal);
}

Reply ApiRequestHandler::dispatch(ApiRequest& api, const std::string& origin, std::string& route) {
  auto match = router_.match(api.method(), api.path());
  if (!match.route.empty()) route = match.route;
  if (match.allowed.empty()) throw not_found("no route " + api.path().substr(0, 200));
  if (api.method() == "OPTIONS") {
    match.allowed.push_back("OPTIONS");
    Reply reply = Reply::empty(204).with_header("Allow", join(match.allowed));
    for (auto& header : cors_.preflight_headers(origin, match.allowed)) reply.headers.push_back(std::move(header));
    return reply;
  }
  if (!match.handler)
    throw ApiError(405, "method_not_allowed",
                   api.method() + " is not allowed on " + match.route + "; allowed: " + join(match.allowed))
        .with_header("Allow", join(match.allowed));
  api.set_principal(authenticate(api, match.access, match.route));
  api.set_params(std::move(match.params));
  return (*match.handler)(api);
}

void ApiRequestHandler::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  const auto started = std::chrono::steady_clock::now();
  const std::string request_id = request_id_for(request.get("X-Request-Id", ""));
  const log::ScopedRequestId log_context(request_id);  // every line logged for this request carries it
  const std::string origin = request.get("Origin", "");
  response.set("X-Request-Id", request_id);
  for (const auto& [name, value] : cors_.response_headers(origin)) response.set(name, value);

  std::string route = "unmatched";
  std::unique_ptr<ApiRequest> api;
  Reply reply;
  try {
    Poco::URI uri(request.getURI());
    api = std::make_unique<ApiRequest>(request, response, uri.getPath(), uri.getQueryParameters(), request_id, limits_);
    reply = dispatch(*api, origin, route);
  } catch (const ApiError& e) {
    reply = error_reply(e);
  } catch (const jobs::StoreError& e) {
    spdlog::warn("request {}: job store: {}", request_id, e.what());
    reply = error_reply(store_unavailable(e.what()));
  } catch (const Poco::SyntaxException&) {
    // Poco's message quotes the URI, which may carry an access_token.
    reply = error_reply(ApiError(400, "invalid_request", "the request URI is malformed"));
  } catch (const Poco::Exception& e) {
    spdlog::error("request {}: {}", request_id, e.displayText());
    reply = error_reply(ApiError(500, "internal", "internal error; quote request id " + request_id));
  } catch (const std::exception& e) {
    spdlog::error("request {}: {}", request_id, e.what());
    reply = error_reply(ApiError(500, "internal", "internal error; quote request id " + request_id));
  }

  if (!reply.taken_over && !response.sent()) {
    // Unread body bytes would be parsed as the next request.
    const bool unread = !api || api->body_left_unread();
    if (unread) response.setKeepAlive(false);
    try {
      send(response, reply);
      if (unread && !(api && api->body_abandoned())) discard_unread_body(request);
    } catch (const std::exception& e) {
      spdlog::debug("request {}: reply not delivered: {}", request_id, e.what());
    }
  }

  const std::string method = method_label(request.getMethod());
  metrics_.count_http_request(route, method, reply.status);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  const auto level = is_polled(method, route) && reply.status < 400 ? spdlog::level::debug : spdlog::level::info;
  spdlog::log(level, "http {} {} {} {:.1f} ms id={}", method, route, reply.status, ms, request_id);
}

}  // namespace

std::string request_id_for(const std::string& sent) {
  const bool sane = !sent.empty() && sent.size() <= 64 && std::all_of(sent.begin(), sent.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
  if (sane) return sent;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(rng()));
  return buffer;
}

Poco::Net::HTTPRequestHandler* RequestHandlerFactory::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
  // Poco takes ownership of the handler and deletes it after the request.
  return std::make_unique<ApiRequestHandler>(router_, cors_, metrics_, limits_, tokens_).release();
}

}  // namespace agentry::server
