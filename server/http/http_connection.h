// Serves HTTP requests of one connection on a pool thread for as long as it
// has bytes waiting, then gives a keep-alive connection back to the
// ConnectionGate instead of waiting on the thread for its next request.
// Otherwise what Poco's HTTPServerConnection does: the same request and
// response objects, handler factory, 100-continue and 400 on a malformed request.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include "server/http/connection_gate.h"

namespace agentry::server {

class GatedConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  // `gate` and `handlers` must outlive every connection.
  GatedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory& handlers,
                         ConnectionGate& gate)
      : params_(std::move(params)), handlers_(handlers), gate_(gate) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory& handlers_;
  ConnectionGate& gate_;
};

}  // namespace agentry::server
