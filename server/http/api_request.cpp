#include "server/http/api_request.h"

#include <istream>

#include "server/http/http_errors.h"

namespace agentry::server {
namespace {

// The deepest nesting of objects and arrays in `text`, counted without
// parsing (and so without recursion), stopping once past `limit`.
int nesting_depth(const std::string& text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

ApiError too_large(size_t limit) {
  return ApiError(413, "payload_too_large",
                  "the request body is larger than the limit of " + std::to_string(limit) + " bytes");
}

}  // namespace

size_t read_available(std::istream& in, char* buffer, size_t size) {
  const auto buffered = in.readsome(buffer, static_cast<std::streamsize>(size));
  if (buffered > 0) return static_cast<size_t>(buffered);
  if (!in) return 0;
  // One byte blocks for one socket read, which refills the stream's buffer
  // with whatever has arrived.
  in.read(buffer, 1);
  return static_cast<size_t>(in.gcount());
}

const std::string& ApiRequest::param(const std::string& name) const {
  static const std::string none;
  const auto it = params_.find(name);
  return it == params_.end() ? none : it->second;
}

std::optional<std::string> ApiRequest::query(const std::string& name) const {
  for (const auto& [key, value] : query_)
    if (key == name) return value;
  return std::nullopt;
}

bool ApiRequest::query_flag(const std::string& name) const {
  const auto value = query(name);
  return value && (*value == "1" || *value == "true" || *value == "yes");
}

std::optional<std::string> ApiRequest::header(const std::string& name) const {
  if (!request_.has(name)) return std::nullopt;
  return request_.get(name);
}

bool ApiRequest::body_left_unread() const {
  if (body_read_) return false;
  return request_.getChunkedTransferEncoding() || request_.getContentLength64() > 0;
}

std::string ApiRequest::read_body() {
  body_read_ = true;
  const auto declared = request_.getContentLength64();
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      declared > static_cast<int64_t>(limits_.max_bytes)) {
    body_read_ = false;  // not a byte of it was read
    throw too_large(limits_.max_bytes);
  }
  std::istream& in = request_.stream();
  std::string body;
  char buffer[16384];
  const auto deadline = std::chrono::steady_clock::now() + limits_.timeout;
  while (in) {
    body.append(buffer, read_available(in, buffer, sizeof buffer));
    if (body.size() > limits_.max_bytes) {
      body_read_ = false;  // the rest is still on the wire
      throw too_large(limits_.max_bytes);
    }
    if (in && std::chrono::steady_clock::now() > deadline) {
      body_read_ = false;
      body_abandoned_ = true;
      throw ApiError(408, "request_timeout",
                     "the request body did not arrive within " +
                         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(limits_.timeout).count()) +
                         " s; send it at once");
    }
  }
  if (in.bad()) throw ApiError(400, "invalid_json", "the request body could not be read completely");
  return body;
}

nlohmann::json ApiRequest::json_body() {
  const std::string text = read_body();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw ApiError(400, "invalid_json", "the request body is empty; send a JSON object");
  if (nesting_depth(text, limits_.max_json_depth) > limits_.max_json_depth)
    throw ApiError(
        400, "invalid_json",
        "the request body nests objects and arrays deeper than " + std::to_string(limits_.max_json_depth) + " levels");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ApiError(400, "invalid_json", std::string("the request body is not valid JSON: ") + e.what());
  }
}

}  // namespace agentry::server
