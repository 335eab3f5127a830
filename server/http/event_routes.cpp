// GET /api/v1/jobs/{id}/events: checks the request on the pool thread, then
// hands the connection to the SSE hub (sse_hub.h) and returns the thread.
#include <Poco/Net/HTTPServerRequestImpl.h>

#include <charconv>

#include "server/http/routes.h"

namespace agentry::server {
namespace {

int64_t parse_last_event_id(const std::string& text, const char* where) {
  int64_t seq = 0;
  const auto end = text.data() + text.size();
  if (std::from_chars(text.data(), end, seq).ptr != end || seq < 0)
    throw invalid_field(std::string(where) + " must be the id of an event this stream sent (a non-negative integer)");
  return seq;
}

// Status line and headers: everything the response object collected so far
// (request id, CORS, Date) plus what makes it an event stream. The body ends
// when the connection closes.
std::string preamble(Poco::Net::HTTPServerResponse& response) {
  std::string text = "HTTP/1.1 200 OK\r\n";
  for (const auto& [name, value] : response)
    if (name != "Connection" && name != "Content-Length") text += name + ": " + value + "\r\n";
  text +=
      "Content-Type: text/event-stream; charset=utf-8\r\n"
      "Cache-Control: no-cache, no-store\r\n"
      "X-Accel-Buffering: no\r\n"
      "Connection: close\r\n\r\n";
  return text;
}

Reply stream_events(RouteContext& ctx, ApiRequest& req) {
  const auto& id = req.param("id");
  int64_t last_seq = 0;
  // The header is what a reconnecting EventSource sends; it wins over the query.
  if (const auto header = req.header("Last-Event-ID"); header && !header->empty())
    last_seq = parse_last_event_id(*header, "Last-Event-ID");
  else if (const auto query = req.query("last_event_id"); query && !query->empty())
    last_seq = parse_last_event_id(*query, "last_event_id");

  if (!visible_job(ctx, req, id, {.input = false})) throw not_found("no job with id '" + id.substr(0, 64) + "'");
  auto slot = ctx.sse.reserve();
  if (!slot)
    throw ApiError(503, "too_many_streams",
                   "the server has " + std::to_string(ctx.options.max_sse_streams) +
                       " event streams open; poll GET /api/v1/jobs/{id} instead or retry later")
        .with_header("Retry-After", "10");

  auto& response = req.poco_response();
  std::string head = preamble(response);
  auto socket = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req.poco_request()).detachSocket();
  ctx.sse.add(std::move(*slot), std::move(socket), id, last_seq, std::move(head));
  return Reply::stream_started();
}

}  // namespace

void add_event_routes(Router& router, RouteContext& ctx) {
  router.add("GET", "/api/v1/jobs/{id}/events", Access::read,
             [&ctx](ApiRequest& req) { return stream_events(ctx, req); });
}

}  // namespace agentry::server
