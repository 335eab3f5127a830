// The one Poco request handler: gives each request an id, applies CORS,
// routes it, turns exceptions into the API error shape, sends the reply,
// then counts and logs it (method, route pattern, status, time, request id;
// never bodies or credentials).
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "server/http/cors.h"
#include "server/http/metrics.h"
#include "server/http/router.h"

namespace agentry::server {

class RequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  // Everything passed must outlive the factory.
  RequestHandlerFactory(const Router& router, const CorsPolicy& cors, Metrics& metrics, size_t max_body_bytes)
      : router_(router), cors_(cors), metrics_(metrics), max_body_bytes_(max_body_bytes) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  const Router& router_;
  const CorsPolicy& cors_;
  Metrics& metrics_;
  size_t max_body_bytes_;
};

// The client's X-Request-Id when it is 1..64 characters of [A-Za-z0-9._:-],
// else a new random one.
std::string request_id_for(const std::string& sent);

}  // namespace agentry::server
