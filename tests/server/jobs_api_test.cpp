// POST/GET/DELETE /api/v1/jobs..., against a real server and SQLite store,
// without workers: jobs stay where the test puts them.
#include <boost/test/unit_test.hpp>

#include <regex>
#include <set>

#include "api_fixture.h"

using namespace agentry;
using agentry::testing::ApiFixture;
using agentry::testing::HttpResult;
using nlohmann::json;

namespace {

void check_error(const HttpResult& r, int status, const std::string& code) {
  BOOST_TEST_CONTEXT(r.body) {
    BOOST_TEST(r.status == status);
    BOOST_TEST(r.error_code() == code);
    const auto body = r.body_json();
    BOOST_TEST(body["error"]["message"].is_string());
    BOOST_TEST(!body["error"]["message"].get<std::string>().empty());
    BOOST_TEST(r.header("Content-Type") == "application/json; charset=utf-8");
  }
}

// Claims up to `n` jobs as a worker would, leaving the rest queued when the
// limit of one running job is reached.
std::vector<jobs::ClaimedJob> claim(jobs::JobStore& store, int n = 1) {
  return store.claim({.worker_id = "test-worker", .max_jobs = n, .max_running = 1, .script_version = "v"});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(jobs_api)

BOOST_AUTO_TEST_CASE(create_answers_202_with_location_and_links) {
  ApiFixture api;
  const auto r = api.post("/api/v1/jobs", {{"pipeline", "training"}, {"input", {{"client", "Ada"}}}});
  BOOST_TEST_REQUIRE(r.status == 202, r.body);
  const auto body = r.body_json();
  const std::string id = body["job_id"];
  BOOST_TEST(std::regex_match(id, std::regex("[0-9a-f]{32}")));
  BOOST_TEST(body["status"] == "pending");
  BOOST_TEST(body["links"]["self"] == "/api/v1/jobs/" + id);
  BOOST_TEST(r.header("Location") == "/api/v1/jobs/" + id);
  BOOST_TEST(!r.header("X-Request-Id").empty());
}

BOOST_AUTO_TEST_CASE(idempotent_repeat_returns_the_first_job_with_200) {
  ApiFixture api;
  const json body = {{"pipeline", "training"}, {"idempotency_key", "order-17"}};
  const auto first = api.post("/api/v1/jobs", body);
  BOOST_TEST_REQUIRE(first.status == 202);
  const auto again = api.post("/api/v1/jobs", body);
  BOOST_TEST(again.status == 200);
  BOOST_TEST(again.body_json()["job_id"] == first.body_json()["job_id"]);
  BOOST_TEST(again.header("Location") == first.header("Location"));

  // The Idempotency-Key header works the same when the body has no key.
  const auto by_header = api.post("/api/v1/jobs", {{"pipeline", "training"}}, {{"Idempotency-Key", "order-17"}});
  BOOST_TEST(by_header.status == 200);
  BOOST_TEST(by_header.body_json()["job_id"] == first.body_json()["job_id"]);

  const auto other = api.post("/api/v1/jobs", {{"pipeline", "training"}, {"idempotency_key", "order-18"}});
  BOOST_TEST(other.status == 202);
  BOOST_TEST(other.body_json()["job_id"] != first.body_json()["job_id"]);
}

BOOST_AUTO_TEST_CASE(job_document_has_every_design_field) {
  ApiFixture api;
  const auto id = api.create_job("full", {{"goal", "strength"}}, 3);
  const auto r = api.request("GET", "/api/v1/jobs/" + id);
  BOOST_TEST_REQUIRE(r.status == 200);
  const auto doc = r.body_json();
  for (const char* key :
       {"id", "pipeline", "status", "priority", "queue_position", "attempt", "retry_count", "progress", "result",
        "error", "usage", "script_version", "created_at", "started_at", "completed_at", "execution_log"})
    BOOST_TEST(doc.contains(key), key);
  for (const char* key : {"phase", "current_agent", "completed_steps", "total_steps", "percentage", "message"})
    BOOST_TEST(doc["progress"].contains(key), key);
  for (const char* key : {"llm_calls", "prompt_tokens", "completion_tokens"}) BOOST_TEST(doc["usage"].contains(key));
  BOOST_TEST(doc["id"] == id);
  BOOST_TEST(doc["pipeline"] == "full");
  BOOST_TEST(doc["status"] == "pending");
  BOOST_TEST(doc["priority"] == 3);
  BOOST_TEST(doc["result"].is_null());
  BOOST_TEST(doc["error"].is_null());
  BOOST_TEST(doc["started_at"].is_null());
  BOOST_TEST(
      std::regex_match(doc["created_at"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  BOOST_TEST_REQUIRE(doc["execution_log"].size() == 1u);
  const auto& created = doc["execution_log"][0];
  BOOST_TEST(created["event"] == "created");
  BOOST_TEST(created.contains("timestamp"));
  BOOST_TEST(created.contains("details"));
  BOOST_TEST(!doc.contains("steps"));
  BOOST_TEST(api.request("GET", "/api/v1/jobs/" + id + "?steps=1").body_json()["steps"].is_array());
}

BOOST_AUTO_TEST_CASE(list_filters_by_status_and_pages_with_a_cursor) {
  ApiFixture api;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(api.create_job(i % 2 ? "training" : "nutrition"));
    // Jobs created in the same millisecond are ordered by id, not by arrival.
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  BOOST_TEST_REQUIRE(api.request("POST", "/api/v1/jobs/" + ids[1] + "/cancel").status == 200);
  BOOST_TEST_REQUIRE(api.request("POST", "/api/v1/jobs/" + ids[3] + "/cancel").status == 200);

  const auto cancelled = api.request("GET", "/api/v1/jobs?status=cancelled").body_json();
  BOOST_TEST(cancelled["jobs"].size() == 2u);
  for (const auto& job : cancelled["jobs"]) {
    BOOST_TEST(job["status"] == "cancelled");
    BOOST_TEST(!job.contains("execution_log"));
  }
  BOOST_TEST(cancelled["next_cursor"].is_null());
  BOOST_TEST(api.request("GET", "/api/v1/jobs?pipeline=nutrition").body_json()["jobs"].size() == 3u);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const auto page =
        api.request("GET", "/api/v1/jobs?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)).body_json();
    BOOST_TEST(page["jobs"].size() <= 2u);
    for (const auto& job : page["jobs"]) seen.push_back(job["id"]);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  BOOST_TEST(pages == 3);
  // Newest first: the reverse of creation order.
  const std::vector<std::string> expected(ids.rbegin(), ids.rend());
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(list_rejects_bad_parameters) {
  ApiFixture api;
  check_error(api.request("GET", "/api/v1/jobs?status=sleeping"), 422, "invalid_field");
  check_error(api.request("GET", "/api/v1/jobs?limit=0"), 422, "invalid_field");
  check_error(api.request("GET", "/api/v1/jobs?limit=ten"), 422, "invalid_field");
  check_error(api.request("GET", "/api/v1/jobs?cursor=garbage"), 422, "invalid_field");
}

BOOST_AUTO_TEST_CASE(cancel_a_queued_job_then_delete_it) {
  ApiFixture api;
  const auto first = api.create_job("training");
  const auto second = api.create_job("training");
  const auto claimed = claim(*api.store);
  BOOST_TEST_REQUIRE(claimed.size() == 1u);
  // Jobs created in the same millisecond start in id order.
  const auto running_id = claimed[0].job.id;
  const auto queued_id = running_id == first ? second : first;
  const auto queued = api.job(queued_id);
  BOOST_TEST_REQUIRE(queued["status"] == "queued");
  BOOST_TEST(queued["queue_position"] == 1);

  const auto cancel = api.request("POST", "/api/v1/jobs/" + queued_id + "/cancel");
  BOOST_TEST_REQUIRE(cancel.status == 200, cancel.body);
  const auto doc = cancel.body_json();
  BOOST_TEST(doc["status"] == "cancelled");
  BOOST_TEST(doc["error"]["reason"] == "cancelled");
  BOOST_TEST(doc["execution_log"].back()["event"] == "cancelled");
  check_error(api.request("POST", "/api/v1/jobs/" + queued_id + "/cancel"), 409, "already_finished");

  check_error(api.request("DELETE", "/api/v1/jobs/" + running_id), 409, "not_finished");
  const auto pending_id = api.create_job("nutrition");
  check_error(api.request("DELETE", "/api/v1/jobs/" + pending_id), 409, "not_finished");

  const auto removed = api.request("DELETE", "/api/v1/jobs/" + queued_id);
  BOOST_TEST(removed.status == 204);
  BOOST_TEST(removed.body.empty());
  check_error(api.request("GET", "/api/v1/jobs/" + queued_id), 404, "not_found");
  check_error(api.request("DELETE", "/api/v1/jobs/" + queued_id), 404, "not_found");
  check_error(api.request("POST", "/api/v1/jobs/" + queued_id + "/cancel"), 404, "not_found");

  // A running job is cancelled at once in the store; its worker learns it later.
  const auto running = api.request("POST", "/api/v1/jobs/" + running_id + "/cancel");
  BOOST_TEST(running.status == 200);
  BOOST_TEST(running.body_json()["status"] == "cancelled");
}

BOOST_AUTO_TEST_CASE(a_finished_job_reads_the_same_until_it_is_deleted_anywhere) {
  ApiFixture api;
  const json input = {{"client", "Ada"}, {"weeks", 12}};
  const auto id = api.create_job("training", input);
  const auto claimed = claim(*api.store);
  BOOST_TEST_REQUIRE(claimed.size() == 1u);
  const jobs::Lease lease = claimed[0].lease;
  const json result = {{"plan", "three sessions a week"}, {"weeks", 12}};
  api.store->complete(lease, result, {.completed_steps = 1, .total_steps = 1, .percentage = 100}, {}, "done");

  const auto first = api.request("GET", "/api/v1/jobs/" + id);
  BOOST_TEST_REQUIRE(first.status == 200, first.body);
  const auto doc = first.body_json();
  BOOST_TEST(doc["status"] == "completed");
  BOOST_TEST(doc["result"] == result);
  BOOST_TEST(!doc.contains("input"));
  BOOST_TEST(doc["execution_log"].back()["event"] == "completed");
  BOOST_TEST(first.header("Content-Type") == "application/json; charset=utf-8");
  // Kept once rendered: the same bytes again, and the input still on request.
  BOOST_TEST(api.request("GET", "/api/v1/jobs/" + id).body == first.body);
  BOOST_TEST(api.job(id + "?input=1")["input"] == input);
  // Deleted behind the server's back (another API process, or the TTL prune):
  // the next read notices.
  BOOST_TEST_REQUIRE((api.store->remove(id) == jobs::DeleteResult::deleted));
  check_error(api.request("GET", "/api/v1/jobs/" + id), 404, "not_found");

  // Deleted through this server: gone at once too.
  const auto second = api.create_job("training");
  api.store->cancel(second);
  BOOST_TEST(api.job(second)["status"] == "cancelled");
  BOOST_TEST(api.request("DELETE", "/api/v1/jobs/" + second).status == 204);
  check_error(api.request("GET", "/api/v1/jobs/" + second), 404, "not_found");
}

// A waiting job's document is kept too (job_documents.h); every change made
// behind the server's back (as another process would) must still show.
BOOST_AUTO_TEST_CASE(a_waiting_job_reads_its_current_place_and_state) {
  ApiFixture api;
  const auto first = api.create_job("training");
  const auto second = api.create_job("training");
  const auto third = api.create_job("training");
  const auto path = "/api/v1/jobs/" + third;
  const auto before = api.request("GET", path);
  BOOST_TEST_REQUIRE(before.status == 200, before.body);
  BOOST_TEST(before.body_json()["queue_position"] == 3);
  BOOST_TEST(api.request("GET", path).body == before.body);

  BOOST_TEST_REQUIRE((api.store->cancel(first) == jobs::CancelResult::cancelled));
  const auto moved_up = api.request("GET", path).body_json();
  BOOST_TEST(moved_up["queue_position"] == 2);
  auto expected = before.body_json();
  expected["queue_position"] = 2;
  BOOST_TEST(moved_up == expected);  // nothing else changed
  BOOST_TEST(api.job(first)["status"] == "cancelled");

  const auto claimed = claim(*api.store);
  BOOST_TEST_REQUIRE(claimed.size() == 1u);
  BOOST_TEST_REQUIRE(claimed[0].job.id == second);
  BOOST_TEST(api.job(second)["status"] == "running");
  BOOST_TEST(api.job(third)["queue_position"] == 1);

  const auto started =
      api.store->claim({.worker_id = "test-worker", .max_jobs = 1, .max_running = 2, .script_version = "v"});
  BOOST_TEST_REQUIRE(started.size() == 1u);
  const auto running = api.job(third);
  BOOST_TEST(running["status"] == "running");
  BOOST_TEST(running["queue_position"].is_null());
  BOOST_TEST(running["execution_log"].back()["event"] == "started");
}

BOOST_AUTO_TEST_CASE(bad_bodies_answer_400_and_422_in_the_error_shape) {
  ApiFixture api;
  check_error(api.request("POST", "/api/v1/jobs", R"({"pipeline": "training",)"), 400, "invalid_json");
  check_error(api.request("POST", "/api/v1/jobs", ""), 400, "invalid_json");
  check_error(api.request("POST", "/api/v1/jobs", "[1, 2]"), 400, "invalid_json");
  check_error(api.request("POST", "/api/v1/jobs", std::string(200, '[') + std::string(200, ']')), 400, "invalid_json");

  const auto unknown = api.post("/api/v1/jobs", {{"pipeline", "trainig"}});
  check_error(unknown, 422, "unknown_pipeline");
  for (const char* known : {"training", "nutrition", "full", "backlog_generation"})
    BOOST_TEST(unknown.error_message().find(known) != std::string::npos, known);

  const auto missing = api.post("/api/v1/jobs", {{"input", json::object()}});
  check_error(missing, 422, "invalid_field");
  BOOST_TEST(missing.error_message().find("pipeline") != std::string::npos);

  const auto field_named = [&](const json& body, const std::string& field) {
    const auto r = api.post("/api/v1/jobs", body);
    check_error(r, 422, "invalid_field");
    BOOST_TEST(r.error_message().find(field) != std::string::npos, r.error_message());
  };
  field_named({{"pipeline", 7}}, "pipeline");
  field_named({{"pipeline", "training"}, {"input", "not an object"}}, "input");
  field_named({{"pipeline", "training"}, {"input", json::array()}}, "input");
  field_named({{"pipeline", "training"}, {"priority", "high"}}, "priority");
  field_named({{"pipeline", "training"}, {"priority", 1.5}}, "priority");
  field_named({{"pipeline", "training"}, {"priority", 1e12}}, "priority");
  field_named({{"pipeline", "training"}, {"idempotency_key", 5}}, "idempotency_key");
  field_named({{"pipeline", "training"}, {"idempotency_key", std::string(256, 'k')}}, "idempotency_key");
  field_named({{"pipeline", "training"}, {"priorty", 1}}, "priorty");

  // null input means none; negative priorities run first.
  BOOST_TEST(api.post("/api/v1/jobs", {{"pipeline", "training"}, {"input", nullptr}, {"priority", -5}}).status == 202);
}

BOOST_AUTO_TEST_CASE(bodies_over_the_limit_answer_413) {
  ApiFixture api;
  const std::string big = R"({"pipeline": "training", "input": {"notes": ")" + std::string(1 << 20, 'x') + R"("}})";
  check_error(api.request("POST", "/api/v1/jobs", big), 413, "payload_too_large");

  // A chunked body has no Content-Length: the limit applies while reading.
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(api.port()));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req("POST", "/api/v1/jobs", Poco::Net::HTTPMessage::HTTP_1_1);
  req.setChunkedTransferEncoding(true);
  req.setContentType("application/json");
  session.sendRequest(req) << big;
  HttpResult r;
  std::istream& in = session.receiveResponse(r.response);
  r.status = r.response.getStatus();
  std::ostringstream out;
  Poco::StreamCopier::copyStream(in, out);
  r.body = out.str();
  check_error(r, 413, "payload_too_large");

  // Just under the limit is fine.
  const std::string fits = R"({"pipeline": "training", "input": {"notes": ")" + std::string(1000000, 'x') + R"("}})";
  BOOST_TEST(api.request("POST", "/api/v1/jobs", fits).status == 202);
}

BOOST_AUTO_TEST_CASE(unknown_jobs_routes_and_methods) {
  ApiFixture api;
  check_error(api.request("GET", "/api/v1/jobs/0123456789abcdef0123456789abcdef"), 404, "not_found");
  check_error(api.request("GET", "/api/v1/nothing"), 404, "not_found");

  const auto put = api.request("PUT", "/api/v1/jobs", "{}");
  check_error(put, 405, "method_not_allowed");
  BOOST_TEST(put.header("Allow") == "POST, GET");
  const auto post_one = api.request("POST", "/api/v1/jobs/abc");
  check_error(post_one, 405, "method_not_allowed");
  BOOST_TEST(post_one.header("Allow") == "GET, DELETE");
  check_error(api.request("GET", "/api/v1/jobs/abc/cancel"), 405, "method_not_allowed");
  check_error(api.request("DELETE", "/healthz"), 405, "method_not_allowed");
}

BOOST_AUTO_TEST_CASE(draining_server_refuses_new_jobs_with_503) {
  ApiFixture api;
  api.accepting = false;
  const auto r = api.post("/api/v1/jobs", {{"pipeline", "training"}});
  check_error(r, 503, "shutting_down");
  BOOST_TEST(!r.header("Retry-After").empty());
  BOOST_TEST(api.request("GET", "/api/v1/jobs").status == 200);
}

BOOST_AUTO_TEST_CASE(requests_keep_their_id) {
  ApiFixture api;
  BOOST_TEST(api.request("GET", "/healthz", "", {{"X-Request-Id", "req-42.a:b_c"}}).header("X-Request-Id") ==
             "req-42.a:b_c");
  const auto generated = api.request("GET", "/healthz", "", {{"X-Request-Id", "bad id\twith spaces"}});
  BOOST_TEST(std::regex_match(generated.header("X-Request-Id"), std::regex("[0-9a-f]{16}")));
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(api.request("GET", "/healthz").header("X-Request-Id"));
  BOOST_TEST(ids.size() == 5u);
}

BOOST_AUTO_TEST_CASE(keep_alive_connection_serves_every_kind_of_reply) {
  ApiFixture api;
  const auto id = api.create_job("training");
  BOOST_TEST_REQUIRE(api.request("POST", "/api/v1/jobs/" + id + "/cancel").status == 200);
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(api.port()));
  session.setKeepAlive(true);
  session.setTimeout(Poco::Timespan(10, 0));
  auto exchange = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    if (!body.empty()) req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse response;
    std::ostringstream out;
    Poco::StreamCopier::copyStream(session.receiveResponse(response), out);
    BOOST_TEST(response.getKeepAlive(), method << " " << path);
    return response.getStatus();
  };
  BOOST_TEST(exchange("GET", "/api/v1/jobs/" + id) == 200);
  BOOST_TEST(exchange("DELETE", "/api/v1/jobs/" + id) == 204);
  BOOST_TEST(exchange("GET", "/api/v1/jobs/" + id) == 404);
  BOOST_TEST(exchange("POST", "/api/v1/jobs", R"({"pipeline": "training"})") == 202);
  BOOST_TEST(exchange("POST", "/api/v1/jobs", R"({"pipeline": 1})") == 422);
  BOOST_TEST(exchange("OPTIONS", "/api/v1/jobs") == 204);
  BOOST_TEST(exchange("GET", "/metrics") == 200);
}

BOOST_AUTO_TEST_SUITE_END()
