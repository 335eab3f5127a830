#include "server/http/http_connection.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Timestamp.h>

#include <memory>
#include <string>

#include "runtime/metrics/cpu_by_part.h"

namespace agentry::server {
namespace {

enum class After { keep_alive, close, taken_over };

// Poco keeps the count of read-ahead bytes protected; it tells whether the
// client already pipelined its next request.
class Session final : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::buffered;
  using HTTPServerSession::HTTPServerSession;
};

class GatedConnection final : public Poco::Net::TCPServerConnection {
 public:
  GatedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                  Poco::Net::HTTPRequestHandlerFactory& handlers, ConnectionGate& gate)
      : TCPServerConnection(socket), params_(std::move(params)), handlers_(handlers), gate_(gate) {}

  void run() override {
    Session session(socket(), params_);
    // The gate only dispatches readable connections, so there is no waiting
    // for a request here, and no session.hasMoreRequests(): Poco 1.11 polls
    // through a new epoll instance each time (create, add, wait, close: four
    // system calls per request). After an answer, only a request the client
    // already pipelined is served here; otherwise the gate waits.
    for (;;) {
      const After after = serve_one(session);
      if (after != After::keep_alive) return;  // the session closes the socket unless a route took it
      if (session.buffered() == 0) {
        gate_.park(session.detachSocket());
        return;
      }
    }
  }

 private:
  After serve_one(Poco::Net::HTTPServerSession& session) {
    const metrics::CpuScope cpu(metrics::CpuPart::api);
    const auto* original = session.socket().impl();
    try {
      Poco::Net::HTTPServerResponseImpl response(session);
      Poco::Net::HTTPServerRequestImpl request(response, session, params_);
      response.setDate(Poco::Timestamp());
      response.setVersion(request.getVersion());
      // Not session.canKeepAlive(): it counts requests that hasMoreRequests()
      // admitted, which is never called here; a Session lasts one dispatch
      // anyway, so a per-connection request cap could not hold.
      response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive());
      std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(handlers_.createRequestHandler(request));
      if (request.getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
        response.sendContinue();
      handler->handleRequest(request, response);
      if (session.socket().impl() != original) return After::taken_over;
      return params_->getKeepAlive() && response.getKeepAlive() ? After::keep_alive : After::close;
    } catch (const Poco::Net::NoMessageException&) {
      return After::close;  // the client closed the connection between requests
    } catch (const Poco::Net::MessageException& e) {
      send_bad_request(session, e.message());
      return After::close;
    } catch (const Poco::Exception&) {
      return After::close;  // the connection broke mid-request
    }
  }

  // Poco's parser limits (100 fields, 256-byte names, 8 KiB values) answer
  // 431; any other malformed head 400.
  static void send_bad_request(Poco::Net::HTTPServerSession& session, const std::string& problem) {
    const bool too_large = problem.find("Too many header fields") != std::string::npos ||
                           problem.find("Field name too long") != std::string::npos ||
                           problem.find("Field value too long") != std::string::npos;
    try {
      Poco::Net::HTTPServerResponseImpl response(session);
      response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
      response.setStatusAndReason(too_large ? Poco::Net::HTTPResponse::HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE
                                            : Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
      response.setKeepAlive(false);
      const std::string body =
          too_large ? R"({"error":{"code":"header_too_large","message":"too many or too long request headers"}})"
                    : R"({"error":{"code":"invalid_request","message":"the request is not valid HTTP"}})";
      response.setContentType("application/json; charset=utf-8");
      response.sendBuffer(body.data(), body.size());
    } catch (const Poco::Exception&) {
      // Nobody left to tell.
    }
  }

  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory& handlers_;
  ConnectionGate& gate_;
};

}  // namespace

Poco::Net::TCPServerConnection* GatedConnectionFactory::createConnection(const Poco::Net::StreamSocket& socket) {
  // Poco's dispatcher takes ownership and deletes the connection when it ends.
  return std::make_unique<GatedConnection>(socket, params_, handlers_, gate_).release();
}

}  // namespace agentry::server
