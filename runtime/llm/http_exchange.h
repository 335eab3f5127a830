// One HTTP POST over a pooled keep-alive connection, with network failures
// turned into LlmErrors that say what happened and whether a retry can help.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/llm/abortable_call.h"
#include "runtime/llm/http_connection_pool.h"

namespace agentry::llm {

struct HttpPost {
  std::string target;  // "/v1/chat/completions"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // application/json
};

struct HttpResult {
  int status = 0;
  std::string reason;
  std::string body;
  std::string retry_after;  // the Retry-After header, "" when absent
};

// Sends `post` and reads the whole response (at most 16 MiB). A connection
// that completed cleanly goes back to the pool. Throws LlmError: transient
// for connect/read timeouts, refused, reset or cut-off connections;
// permanent for certificate, TLS and host-name failures.
HttpResult http_post(HttpConnectionPool& pool, const HttpPost& post, SocketAbort& abort);

// The same over `session` (taken from `pool`, which gets it back when the
// exchange completes cleanly). Once the request is sent, calls
// await_reply(socket), which returns when the reply starts to arrive or
// throws (LlmError) to abandon the call; the connection is then closed.
using AwaitReply = std::function<void(const Poco::Net::StreamSocket&)>;
HttpResult http_post(HttpConnectionPool& pool, std::unique_ptr<Poco::Net::HTTPClientSession> session,
                     const HttpPost& post, SocketAbort& abort, const AwaitReply& await_reply);

}  // namespace agentry::llm
