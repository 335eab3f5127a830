#include "runtime/llm/openai_provider.h"

#include "runtime/json/json_writer.h"
#include "runtime/llm/abortable_call.h"
#include "runtime/llm/http_exchange.h"
#include "runtime/llm/openai_protocol.h"
#include "runtime/llm/retry_policy.h"

namespace agentry::llm {

namespace {

std::string duration_text(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s" : std::to_string(d.count()) + " ms";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

OpenAiProvider::OpenAiProvider(OpenAiOptions options)
    : options_(std::move(options)),
      pool_(std::make_shared<HttpConnectionPool>(HttpEndpoint::parse(options_.base_url),
                                                 HttpPoolOptions{options_.connect_timeout, options_.read_timeout,
                                                                 options_.ca_file, options_.max_idle_connections})) {}

ChatReply OpenAiProvider::chat(const ChatRequest& request, const CallControl& control) {
  if (control.stop_requested()) throw LlmError(LlmError::Kind::cancelled, "call cancelled");
  const std::string model = request.model.empty() ? options_.default_model : request.model;
  auto post = std::make_shared<HttpPost>();
  post->target = pool_->endpoint().target("/chat/completions");
  post->body = json::text(chat_completion_body(request, model), json::InvalidUtf8::fail);
  post->headers.emplace_back("Accept", "application/json");
  post->headers.emplace_back("User-Agent", "agentry");
  if (!options_.api_key.empty()) post->headers.emplace_back("Authorization", "Bearer " + options_.api_key);
  if (!request.agent.empty()) post->headers.emplace_back("X-Agentry-Agent", request.agent);
  if (!request.required_fields.empty())
    post->headers.emplace_back("X-Agentry-Required-Fields", join(request.required_fields));

  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + options_.call_timeout;
  const std::string deadline_message = "no complete answer from " + pool_->endpoint().display() +
                                       " within the call timeout (" + duration_text(options_.call_timeout) + ")";
  auto result = std::make_shared<HttpResult>();
  try {
    if (auto session = pool_->take_idle()) {
      // An open connection: the exchange runs on this thread, and await_reply
      // watches the wait for the answer (no connect that could not be cut short).
      SocketAbort unused;
      *result = http_post(*pool_, std::move(session), *post, unused, [&](const Poco::Net::StreamSocket& socket) {
        await_reply(socket, control, deadline, deadline_message);
      });
    } else {
      run_abortable([pool = pool_, post, result](SocketAbort& abort) { *result = http_post(*pool, *post, abort); },
                    control, deadline, deadline_message);
    }
  } catch (const LlmError& e) {
    LlmError clean(e.kind, redact(e.what(), options_.api_key), e.http_status, e.retry_after);
    throw clean;
  }

  if (result->status < 200 || result->status > 299) {
    const auto retry_after = result->retry_after.empty() ? std::nullopt : parse_retry_after(result->retry_after);
    const LlmError e = error_for_status(result->status, result->reason, result->body, model, retry_after);
    throw LlmError(e.kind, redact(e.what(), options_.api_key), e.http_status, e.retry_after);
  }
  try {
    ChatReply reply = parse_chat_completion(result->body, model);
    reply.latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return reply;
  } catch (const LlmError& e) {
    throw LlmError(e.kind, redact(e.what(), options_.api_key), e.http_status);
  }
}

}  // namespace agentry::llm
