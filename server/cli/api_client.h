// The REST API as the CLI client uses it: JSON requests to one server, with
// the error shape turned into a message.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace agentry::cli {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
};

class ApiClient {
 public:
  // `server`: "http://127.0.0.1:8080" (the default comes from --server or
  // AGENTRY_SERVER); `token`: sent as a bearer token when not empty.
  ApiClient(const std::string& server, std::string token);

  nlohmann::json get(const std::string& path) const;
  nlohmann::json post(const std::string& path, const nlohmann::json& body) const;

 private:
  nlohmann::json request(const std::string& method, const std::string& path, const nlohmann::json* body) const;
  std::string host_;
  int port_ = 8080;
  std::string token_;
};

}  // namespace agentry::cli
