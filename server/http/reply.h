// What a route answers. Routes return values instead of writing to the
// socket so that one place (request_handler.cpp) sets the common headers,
// maps errors, counts and logs every response the same way.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/json/json_writer.h"
#include "server/http/http_errors.h"

namespace agentry::server {

struct Reply {
  int status = 200;
  Headers headers;
  std::optional<nlohmann::json> json;  // sent as application/json
  std::optional<std::string> text;     // sent as content_type
  std::string content_type;
  std::filesystem::path file;  // a static file, sent as content_type
  bool taken_over = false;     // the route answered on the socket itself (SSE)

  static Reply of_json(int status, nlohmann::json body) {
    Reply r;
    r.status = status;
    r.json = std::move(body);
    return r;
  }
  // A JSON body rendered already (with dump() below).
  static Reply of_json_text(int status, std::string body) {
    Reply r = of_text("application/json; charset=utf-8", std::move(body));
    r.status = status;
    return r;
  }
  static Reply of_text(std::string content_type, std::string body) {
    Reply r;
    r.text = std::move(body);
    r.content_type = std::move(content_type);
    return r;
  }
  static Reply of_file(std::filesystem::path path, std::string content_type) {
    Reply r;
    r.file = std::move(path);
    r.content_type = std::move(content_type);
    return r;
  }
  static Reply empty(int status) {
    Reply r;
    r.status = status;
    return r;
  }
  static Reply stream_started() {
    Reply r;
    r.taken_over = true;
    return r;
  }
  Reply& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// JSON text as every reply sends it (invalid UTF-8 replaced, not thrown).
inline std::string dump(const nlohmann::json& body) { return json::text(body, json::InvalidUtf8::replace); }

}  // namespace agentry::server
