#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <thread>

#include "support/http_json.h"

namespace agentry::testing {

HttpReply http_request(int port, const std::string& method, const std::string& path, const nlohmann::json& body) {
  HttpReply reply;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    const std::string text = body.is_null() ? "" : body.dump();
    if (!body.is_null()) {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(text.size()));
    }
    session.sendRequest(request) << text;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    reply.status = response.getStatus();
    std::ostringstream out;
    Poco::StreamCopier::copyStream(in, out);
    reply.raw = out.str();
    reply.body = nlohmann::json::parse(reply.raw, nullptr, false);
    if (reply.body.is_discarded()) reply.body = nullptr;
  } catch (const std::exception& e) {
    reply.status = 0;
    reply.raw = e.what();
  }
  return reply;
}

HttpReply poll_until(int port, const std::string& path, const std::function<bool(const nlohmann::json&)>& done,
                     std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  HttpReply last;
  while (std::chrono::steady_clock::now() < end) {
    last = http_request(port, "GET", path);
    if (last.status == 200 && done(last.body)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

}  // namespace agentry::testing
