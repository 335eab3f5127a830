// One request as a route sees it: the matched path parameters, the query,
// headers, the request id, the caller (auth.h), and the body read with the
// size and nesting limits applied.
// Lives on the handling thread for the length of one request.
#pragma once

#include <chrono>
#include <cstddef>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <nlohmann/json.hpp>

#include "server/http/auth.h"

namespace agentry::server {

// What a request body may be (ApiOptions sets them).
struct BodyLimits {
  size_t max_bytes = 1 << 20;
  // Deeper JSON is refused before parsing: serializing it later (into the
  // store, into a reply) recurses once per level.
  int max_json_depth = 64;
  // The whole body must arrive within this long, however it trickles in
  // (each read also has the socket's receive timeout).
  std::chrono::milliseconds timeout{30'000};
};

// Reads what `in` has buffered, or else waits for one read of the socket (at
// most its receive timeout): a client that trickles bytes cannot keep one
// call going for long. 0 at the end of the body or on an error.
size_t read_available(std::istream& in, char* buffer, size_t size);

class ApiRequest {
 public:
  using Query = std::vector<std::pair<std::string, std::string>>;

  ApiRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, std::string path,
             Query query, std::string request_id, BodyLimits limits)
      : request_(request),
        response_(response),
        path_(std::move(path)),
        query_(std::move(query)),
        request_id_(std::move(request_id)),
        limits_(limits) {}

  const std::string& method() const { return request_.getMethod(); }
  const std::string& path() const { return path_; }
  const std::string& request_id() const { return request_id_; }

  // A `{name}` segment of the matched route ("" when the route has none).
  const std::string& param(const std::string& name) const;
  void set_params(std::map<std::string, std::string> params) { params_ = std::move(params); }
  // The first value of a query parameter.
  std::optional<std::string> query(const std::string& name) const;
  // `?name=1|true|yes`.
  bool query_flag(const std::string& name) const;
  std::optional<std::string> header(const std::string& name) const;

  // The authenticated caller; with auth off, the anonymous admin (owner "").
  const Principal& principal() const { return principal_; }
  void set_principal(Principal principal) { principal_ = std::move(principal); }

  // The body as a JSON value. Throws ApiError: 413 payload_too_large (checked
  // on Content-Length before reading, and while reading a chunked body),
  // 400 invalid_json (empty, unreadable, malformed, or nested deeper than
  // BodyLimits::max_json_depth), 408 request_timeout (not all there within
  // BodyLimits::timeout).
  nlohmann::json json_body();
  // True when the request carried a body that nobody read: the connection
  // must then close, or its bytes would be parsed as the next request.
  bool body_left_unread() const;
  // True when reading the body was given up on as too slow: nothing more of
  // it should be read, not even to drain the connection.
  bool body_abandoned() const { return body_abandoned_; }

  // The raw exchange, for a route that answers on the socket itself.
  Poco::Net::HTTPServerRequest& poco_request() { return request_; }
  Poco::Net::HTTPServerResponse& poco_response() { return response_; }

 private:
  std::string read_body();

  Poco::Net::HTTPServerRequest& request_;
  Poco::Net::HTTPServerResponse& response_;
  std::string path_;
  Query query_;
  std::string request_id_;
  BodyLimits limits_;
  Principal principal_;
  std::map<std::string, std::string> params_;
  bool body_read_ = false;
  bool body_abandoned_ = false;
};

}  // namespace agentry::server
