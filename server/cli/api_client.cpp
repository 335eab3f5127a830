#include "server/cli/api_client.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <sstream>

namespace agentry::cli {

ApiClient::ApiClient(const std::string& server, std::string token) : token_(std::move(token)) {
  Poco::URI uri(server);
  if (uri.getScheme() != "http" || uri.getHost().empty())
    throw std::invalid_argument("--server must be an http:// URL like http://127.0.0.1:8080, got '" + server + "'");
  host_ = uri.getHost();
  port_ = uri.getPort();
}

nlohmann::json ApiClient::get(const std::string& path) const { return request("GET", path, nullptr); }

nlohmann::json ApiClient::post(const std::string& path, const nlohmann::json& body) const {
  return request("POST", path, &body);
}

nlohmann::json ApiClient::request(const std::string& method, const std::string& path,
                                  const nlohmann::json* body) const {
  std::string text;
  int status = 0;
  try {
    Poco::Net::HTTPClientSession session(host_, static_cast<Poco::UInt16>(port_));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    const std::string payload = body ? body->dump() : "";
    if (body) {
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(payload.size()));
    }
    if (!token_.empty()) req.set("Authorization", "Bearer " + token_);
    session.sendRequest(req) << payload;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::ostringstream out;
    Poco::StreamCopier::copyStream(in, out);
    text = out.str();
    status = response.getStatus();
  } catch (const Poco::Exception& e) {
    throw ApiError(
        0, "cannot reach the agentry server at http://" + host_ + ":" + std::to_string(port_) + ": " + e.displayText());
  }
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (status >= 400) {
    std::string message = "HTTP " + std::to_string(status);
    if (!json.is_discarded() && json.contains("error"))
      message = json["error"].value("code", "error") + ": " + json["error"].value("message", "");
    if (status == 401)
      message += token_.empty() ? " (set AGENTRY_TOKEN or pass --token-file FILE)"
                                : " (the token from AGENTRY_TOKEN or --token-file was refused)";
    throw ApiError(status, message);
  }
  return json.is_discarded() ? nlohmann::json() : json;
}

}  // namespace agentry::cli
