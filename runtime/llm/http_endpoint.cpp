#include "runtime/llm/http_endpoint.h"

#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace agentry::llm {

HttpEndpoint HttpEndpoint::parse(const std::string& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("the LLM base URL '" + url + "' is not a valid URL: " + e.message());
  }
  HttpEndpoint endpoint;
  endpoint.scheme = uri.getScheme();
  if (endpoint.scheme != "http" && endpoint.scheme != "https")
    throw std::invalid_argument("the LLM base URL must start with http:// or https://");
  endpoint.host = uri.getHost();
  if (endpoint.host.empty()) throw std::invalid_argument("the LLM base URL names no host");
  endpoint.port = uri.getPort();
  endpoint.path = uri.getPath();
  while (!endpoint.path.empty() && endpoint.path.back() == '/') endpoint.path.pop_back();
  endpoint.query = uri.getRawQuery();
  return endpoint;
}

std::string HttpEndpoint::display() const {
  const bool default_port = (https() && port == 443) || (!https() && port == 80);
  const bool ipv6 = host.find(':') != std::string::npos;
  return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + (default_port ? "" : ":" + std::to_string(port)) + path;
}

std::string HttpEndpoint::target(const std::string& route) const {
  return path + route + (query.empty() ? "" : "?" + query);
}

}  // namespace agentry::llm
