// An OpenAI-compatible API's base URL, parsed once ("https://api.openai.com/v1"
// → scheme, host, port, path prefix).
#pragma once

#include <cstdint>
#include <string>

namespace agentry::llm {

struct HttpEndpoint {
  std::string scheme;  // http | https
  std::string host;
  uint16_t port = 0;
  std::string path;   // base path without a trailing slash ("/v1"), may be empty
  std::string query;  // raw query of the base URL, appended to every request ("" when none)

  // Throws std::invalid_argument naming the URL when it is not http(s)://host[:port][/path].
  static HttpEndpoint parse(const std::string& url);

  bool https() const { return scheme == "https"; }
  // "https://api.openai.com/v1": no credentials, for messages and logs.
  std::string display() const;
  // The request target for `route` ("/chat/completions").
  std::string target(const std::string& route) const;
};

}  // namespace agentry::llm
