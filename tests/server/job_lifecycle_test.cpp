// Whole jobs through the API with a real scheduler and the mock LLM (no
// latency): create, poll to completed, read the document field by field,
// stream its events.
#include <boost/test/unit_test.hpp>

#include "api_fixture.h"

using namespace agentry;
using agentry::testing::ApiFixture;
using agentry::testing::FixtureOptions;
using agentry::testing::SseClient;
using nlohmann::json;

namespace {

FixtureOptions with_scheduler() {
  FixtureOptions options;
  options.scheduler = true;
  return options;
}

std::vector<std::string> log_events(const json& doc) {
  std::vector<std::string> events;
  for (const auto& e : doc["execution_log"]) events.push_back(e["event"]);
  return events;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(job_lifecycle)

BOOST_AUTO_TEST_CASE(training_job_completes) {
  ApiFixture api(with_scheduler());
  const auto id = api.create_job("training", {{"client", {{"name", "Ada"}}}});
  const auto doc = api.wait_finished(id);
  BOOST_TEST_REQUIRE(doc["status"] == "completed", doc.dump());
  BOOST_TEST(doc["progress"]["total_steps"] == 9);
  BOOST_TEST(doc["progress"]["completed_steps"] == 9);
  BOOST_TEST(doc["progress"]["percentage"] == 100.0);
  BOOST_TEST(doc["usage"]["llm_calls"] == 9);
  for (int i = 1; i <= 9; ++i) BOOST_TEST(doc["result"].contains("E" + std::to_string(i)));
}

BOOST_AUTO_TEST_CASE(full_job_document_matches_design) {
  ApiFixture api(with_scheduler());
  const auto id = api.create_job("full", {{"client", {{"name", "Ada"}}}}, 1);
  const auto doc = api.wait_finished(id);
  BOOST_TEST_REQUIRE(doc["status"] == "completed", doc.dump());
  BOOST_TEST(doc["id"] == id);
  BOOST_TEST(doc["pipeline"] == "full");
  BOOST_TEST(doc["priority"] == 1);
  BOOST_TEST(doc["queue_position"].is_null());
  BOOST_TEST(doc["attempt"] == 1);
  BOOST_TEST(doc["retry_count"] == 0);
  BOOST_TEST(doc["progress"]["total_steps"] == 18);
  BOOST_TEST(doc["progress"]["completed_steps"] == 18);
  BOOST_TEST(doc["progress"]["percentage"] == 100.0);
  BOOST_TEST(doc["progress"]["phase"].is_string());
  BOOST_TEST(doc["progress"]["message"].is_string());
  BOOST_TEST(doc["result"]["training"].contains("E9"));
  BOOST_TEST(doc["result"]["nutrition"].contains("N8"));
  BOOST_TEST(doc["error"].is_null());
  BOOST_TEST(doc["usage"]["llm_calls"] == 18);
  BOOST_TEST(doc["usage"]["prompt_tokens"].get<int64_t>() > 0);
  BOOST_TEST(doc["usage"]["completion_tokens"].get<int64_t>() > 0);
  BOOST_TEST(doc["script_version"] == api.registry().current()->version);
  for (const char* key : {"created_at", "started_at", "completed_at"}) BOOST_TEST(doc[key].is_string(), key);
  BOOST_TEST(doc["created_at"] <= doc["started_at"]);
  BOOST_TEST(doc["started_at"] <= doc["completed_at"]);

  const auto events = log_events(doc);
  for (const char* e : {"created", "started", "agent_started", "agent_completed", "completed"})
    BOOST_TEST(contains(events, e), e);
  BOOST_TEST(events.front() == "created");
  BOOST_TEST(events.back() == "completed");
  BOOST_TEST(std::count(events.begin(), events.end(), "agent_completed") == 18);
}

BOOST_AUTO_TEST_CASE(event_stream_follows_a_running_job_to_its_end) {
  ApiFixture api(with_scheduler());
  const auto id = api.create_job("full");
  SseClient stream(api.port(), "/api/v1/jobs/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200);
  const auto messages = stream.read_to_end();
  BOOST_TEST_REQUIRE(!messages.empty());
  BOOST_TEST(messages.back().event == "end");
  const auto end = json::parse(messages.back().data);
  BOOST_TEST(end["status"] == "completed");
  BOOST_TEST(std::count_if(messages.begin(), messages.end(), [](auto& m) { return m.event == "agent_completed"; }) ==
             18);
  // Ids strictly increase: nothing is sent twice.
  int64_t previous = 0;
  for (const auto& m : messages)
    if (!m.id.empty()) {
      BOOST_TEST(std::stoll(m.id) > previous);
      previous = std::stoll(m.id);
    }
}

BOOST_AUTO_TEST_CASE(metrics_show_this_process_scheduler) {
  ApiFixture api(with_scheduler());
  api.wait_finished(api.create_job("training"));
  // No message in its input: the script fails it with script_error.
  BOOST_TEST_REQUIRE(api.wait_finished(api.create_job("interview_message"))["status"] == "failed");
  const auto text = api.request("GET", "/metrics").body;
  const std::string worker = "worker=\"" + api.scheduler->options().worker_id + "\"";
  BOOST_TEST(text.find("agentry_scheduler_running{" + worker + "} 0") != std::string::npos);
  BOOST_TEST(text.find("agentry_jobs{status=\"completed\"} 1") != std::string::npos);
  BOOST_TEST(text.find("agentry_scheduler_failed_total{" + worker + ",reason=\"script_error\"} 1") !=
             std::string::npos);
  BOOST_TEST(text.find("agentry_queue_oldest_age_seconds 0\n") != std::string::npos, "nothing waits");
}

BOOST_AUTO_TEST_CASE(cancel_reaches_a_running_job) {
  ApiFixture api(with_scheduler());
  const auto id = api.create_job("full");
  const auto r = api.request("POST", "/api/v1/jobs/" + id + "/cancel");
  // The mock is fast: the job may have finished before the cancel arrived.
  if (r.status == 409) {
    BOOST_TEST(r.error_code() == "already_finished");
    return;
  }
  BOOST_TEST_REQUIRE(r.status == 200);
  BOOST_TEST(api.wait_finished(id)["status"] == "cancelled");
}

BOOST_AUTO_TEST_SUITE_END()
