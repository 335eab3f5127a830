#include "runtime/llm/http_exchange.h"

#include <istream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>

namespace agentry::llm {

namespace {

constexpr size_t kMaxBody = 16 * 1024 * 1024;

std::string duration_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// Clears the abort registration before the session (declared earlier) is
// closed or pooled.
struct ArmedSocket {
  SocketAbort& abort;
  ~ArmedSocket() { abort.disarm(); }
};

enum class Phase { connect, send, receive };

[[noreturn]] void fail(Phase phase, const HttpConnectionPool& pool, const Poco::Exception& e) {
  const std::string origin = pool.endpoint().display();
  const std::string& host = pool.endpoint().host;
  using Kind = LlmError::Kind;
  if (dynamic_cast<const Poco::TimeoutException*>(&e)) {
    if (phase == Phase::connect)
      throw LlmError(Kind::transient, "could not connect to " + origin + " within the connect timeout (" +
                                          duration_text(pool.options().connect_timeout) + ")");
    throw LlmError(Kind::transient, "no answer from " + origin + " within the read timeout (" +
                                        duration_text(pool.options().read_timeout) + ")");
  }
  if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e))
    throw LlmError(Kind::transient, origin + " refused the connection: is the server running? (check OPENAI_BASE_URL)");
  if (dynamic_cast<const Poco::Net::HostNotFoundException*>(&e) ||
      dynamic_cast<const Poco::Net::NoAddressFoundException*>(&e))
    throw LlmError(Kind::permanent, "cannot resolve the LLM API host '" + host + "': check OPENAI_BASE_URL");
  if (dynamic_cast<const Poco::Net::SSLConnectionUnexpectedlyClosedException*>(&e))
    throw LlmError(Kind::transient, "the TLS connection to " + origin + " was closed before a complete reply");
  if (dynamic_cast<const Poco::Net::SSLException*>(&e)) {
    if (e.displayText().find("ertificate") != std::string::npos)
      throw LlmError(Kind::permanent, "the TLS certificate of " + host + " could not be verified (" + e.displayText() +
                                          "): if a private CA signed it, pass that CA with --llm-ca-file or "
                                          "AGENTRY_LLM_CA_FILE");
    throw LlmError(Kind::permanent, "the TLS handshake with " + origin + " failed (" + e.displayText() +
                                        "): check that the URL scheme (http or https) matches the server");
  }
  throw LlmError(Kind::transient,
                 "the connection to " + origin + " failed before a complete reply (" + e.displayText() + ")");
}

}  // namespace

HttpResult http_post(HttpConnectionPool& pool, const HttpPost& post, SocketAbort& abort) {
  return http_post(pool, nullptr, post, abort, {});
}

HttpResult http_post(HttpConnectionPool& pool, std::unique_ptr<Poco::Net::HTTPClientSession> session,
                     const HttpPost& post, SocketAbort& abort, const AwaitReply& await_reply) {
  ArmedSocket armed{abort};
  Phase phase = Phase::connect;
  try {
    if (!session) session = pool.take();
    phase = Phase::send;
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, post.target, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(post.body.size()));
    for (const auto& [name, value] : post.headers) request.set(name, value);
    if (!abort.arm(session->socket())) throw LlmError(LlmError::Kind::cancelled, "call cancelled");
    std::ostream& out = session->sendRequest(request);
    out.write(post.body.data(), static_cast<std::streamsize>(post.body.size()));
    if (await_reply) {
      out.flush();  // the whole request on the wire before waiting for its answer
      await_reply(session->socket());
    }

    phase = Phase::receive;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    // Rethrow the stream's own exception (timeout, reset) instead of a bare badbit.
    in.exceptions(std::ios::badbit);
    HttpResult result;
    result.status = static_cast<int>(response.getStatus());
    result.reason = response.getReason();
    result.retry_after = response.get("Retry-After", "");
    char buffer[16384];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
      result.body.append(buffer, static_cast<size_t>(in.gcount()));
      if (result.body.size() > kMaxBody)
        throw LlmError(LlmError::Kind::permanent,
                       "the reply from " + pool.endpoint().display() + " is larger than 16 MiB");
    }
    if (response.hasContentLength() && static_cast<int64_t>(result.body.size()) != response.getContentLength64())
      throw LlmError(LlmError::Kind::transient,
                     "the connection to " + pool.endpoint().display() + " was closed before a complete reply");
    abort.disarm();
    if (response.getKeepAlive()) pool.give_back(std::move(session));
    return result;
  } catch (const Poco::Exception& e) {
    if (abort.aborted()) throw LlmError(LlmError::Kind::cancelled, "call cancelled");
    fail(phase, pool, e);
  }
}

}  // namespace agentry::llm
