#include "runtime/llm/http_connection_pool.h"

#include <poll.h>

#include <fstream>
#include <mutex>
#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>

namespace agentry::llm {

namespace {

Poco::Net::Context::Ptr client_tls_context(const std::string& ca_file) {
  static std::once_flag ssl_initialized;
  std::call_once(ssl_initialized, [] { Poco::Net::initializeSSL(); });
  if (!ca_file.empty() && !std::ifstream(ca_file).good())
    throw std::invalid_argument("cannot read the LLM CA file '" + ca_file +
                                "' (--llm-ca-file / AGENTRY_LLM_CA_FILE): give a readable PEM file");
  Poco::Net::Context::Params params;
  params.caLocation = ca_file;
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  // Poco does not load the system CAs unless asked (DESIGN.md, pitfalls).
  params.loadDefaultCAs = true;
  Poco::Net::Context::Ptr context;
  try {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("cannot set up TLS for the LLM API: " + e.displayText());
  }
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->enableExtendedCertificateVerification(true);
  // Explicit, so no process-wide SSLManager setting can make us accept a bad certificate.
  context->setInvalidCertificateHandler(new Poco::Net::RejectCertificateHandler(false));
  return context;
}

bool peer_closed(Poco::Net::HTTPClientSession& session) {
  // An idle keep-alive connection that is readable has been closed by the
  // server (or holds garbage): either way it cannot carry a request. ::poll,
  // not Socket::poll: Poco 1.11 opens and closes an epoll instance per call.
  if (!session.connected() || !session.socket().impl()->initialized()) return true;
  pollfd p{session.socket().impl()->sockfd(), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

// Connects at once instead of inside sendRequest, so TCP_NODELAY is set
// before the first byte: Poco writes headers and body in two sends, and with
// Nagle the body would wait for the server's delayed ACK (~40 ms a call).
template <class Session>
class EagerSession final : public Session {
 public:
  using Session::Session;
  void open() {
    this->reconnect();
    this->socket().setNoDelay(true);
  }
};

}  // namespace

HttpConnectionPool::HttpConnectionPool(HttpEndpoint endpoint, HttpPoolOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)) {
  if (endpoint_.https()) tls_ = client_tls_context(options_.ca_file);
}

std::unique_ptr<Poco::Net::HTTPClientSession> HttpConnectionPool::create() {
  const auto configure = [this](Poco::Net::HTTPClientSession& session) {
    const auto to_span = [](std::chrono::milliseconds d) { return Poco::Timespan(d.count() * 1000); };
    session.setTimeout(to_span(options_.connect_timeout), to_span(options_.read_timeout),
                       to_span(options_.read_timeout));
    session.setKeepAlive(true);
    // The pool decides when an idle connection is too old; Poco's own 8 s
    // reconnect inside sendRequest would swap the socket under an armed abort.
    session.setKeepAliveTimeout(Poco::Timespan(24 * 3600, 0));
  };
  {
    std::lock_guard lock(mutex_);
    ++created_;
  }
  if (tls_) {
    auto session = std::make_unique<EagerSession<Poco::Net::HTTPSClientSession>>(endpoint_.host, endpoint_.port, tls_);
    configure(*session);
    session->open();
    return session;
  }
  auto session = std::make_unique<EagerSession<Poco::Net::HTTPClientSession>>(endpoint_.host, endpoint_.port);
  configure(*session);
  session->open();
  return session;
}

std::unique_ptr<Poco::Net::HTTPClientSession> HttpConnectionPool::take() {
  auto session = take_idle();
  return session ? std::move(session) : create();
}

std::unique_ptr<Poco::Net::HTTPClientSession> HttpConnectionPool::take_idle() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<Idle> stale;  // closed outside the lock
  std::unique_ptr<Poco::Net::HTTPClientSession> found;
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty() && !found) {
      Idle candidate = std::move(idle_.back());
      idle_.pop_back();
      if (now - candidate.since > options_.idle_timeout || peer_closed(*candidate.session))
        stale.push_back(std::move(candidate));
      else
        found = std::move(candidate.session);
    }
  }
  return found;
}

void HttpConnectionPool::give_back(std::unique_ptr<Poco::Net::HTTPClientSession> session) {
  std::unique_ptr<Poco::Net::HTTPClientSession> dropped;
  std::lock_guard lock(mutex_);
  if (options_.max_idle == 0) {
    dropped = std::move(session);
    return;
  }
  if (idle_.size() >= options_.max_idle) {
    dropped = std::move(idle_.front().session);
    idle_.erase(idle_.begin());
  }
  idle_.push_back({std::move(session), std::chrono::steady_clock::now()});
}

size_t HttpConnectionPool::sessions_created() const {
  std::lock_guard lock(mutex_);
  return created_;
}

size_t HttpConnectionPool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace agentry::llm
