// The one Poco request handler: gives each request an id, applies CORS,
// routes it, authenticates the caller against the route's Access (auth.h),
// turns exceptions into the API error shape, sends the reply, then counts and
// logs it (method, route pattern, status, time, request id; never bodies,
// query strings or credentials).
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "server/http/api_request.h"
#include "server/http/auth.h"
#include "server/http/cors.h"
#include "server/http/metrics.h"
#include "server/http/router.h"

namespace agentry::server {

class RequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  // Everything passed must outlive the factory.
  // An empty `tokens` turns auth off: every caller is the anonymous admin.
  RequestHandlerFactory(const Router& router, const CorsPolicy& cors, Metrics& metrics, BodyLimits limits,
                        const TokenSet& tokens)
      : router_(router), cors_(cors), metrics_(metrics), limits_(limits), tokens_(tokens) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  const Router& router_;
  const CorsPolicy& cors_;
  Metrics& metrics_;
  BodyLimits limits_;
  const TokenSet& tokens_;
};

// The client's X-Request-Id when it is 1..64 characters of [A-Za-z0-9._:-],
// else a new random one.
std::string request_id_for(const std::string& sent);

}  // namespace agentry::server
