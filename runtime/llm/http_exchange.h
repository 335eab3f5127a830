// One HTTP POST over a pooled keep-alive connection, with network failures
// turned into LlmErrors that say what happened and whether a retry can help.
#pragma once

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

}  // namespace agentry::llm
