// JSON over HTTP to a server on 127.0.0.1, for tests.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace agentry::testing {

struct HttpReply {
  int status = 0;
  nlohmann::json body;  // null when the body is not JSON
  std::string raw;
};

HttpReply http_request(int port, const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr);

// Polls GET path until `done(body)` or the limit; returns the last reply.
HttpReply poll_until(int port, const std::string& path, const std::function<bool(const nlohmann::json&)>& done,
                     std::chrono::milliseconds limit);

}  // namespace agentry::testing
