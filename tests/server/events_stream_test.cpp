// GET /api/v1/jobs/{id}/events: the event history, live events, progress,
// the final `end`, Last-Event-ID resume and the stream limit. A test plays
// the worker through the store, so every event is known in advance.
#include <boost/test/unit_test.hpp>

#include <future>

#include "api_fixture.h"

using namespace agentry;
using agentry::testing::ApiFixture;
using agentry::testing::FixtureOptions;
using agentry::testing::SseClient;
using agentry::testing::SseMessage;
using nlohmann::json;

namespace {

jobs::Lease start_job(jobs::JobStore& store) {
  auto claimed = store.claim({.worker_id = "test-worker", .max_jobs = 1, .max_running = 2, .script_version = "v"});
  BOOST_TEST_REQUIRE(claimed.size() == 1u);
  return claimed[0].lease;
}

// What a worker writes for a two-agent job, ending completed.
void run_two_agents(jobs::JobStore& store, const jobs::Lease& lease) {
  jobs::JobTotals totals;
  for (int i = 1; i <= 2; ++i) {
    const std::string agent = "E" + std::to_string(i);
    store.log(lease, {{0, jobs::now_ms(), "agent_started", agent}});
    totals.usage.llm_calls = i;
    jobs::Progress p{.phase = "training",
                     .current_agent = agent,
                     .completed_steps = i,
                     .total_steps = 2,
                     .percentage = 50.0 * i,
                     .message = "Agent " + agent + " completed"};
    store.progress(lease, p, totals, {{0, jobs::now_ms(), "agent_completed", agent + " done"}});
  }
  store.complete(lease, {{"E1", {{"ok", true}}}, {"E2", {{"ok", true}}}},
                 {.completed_steps = 2, .total_steps = 2, .percentage = 100, .message = "done"}, totals, "2 agents");
}

std::vector<std::string> names(const std::vector<SseMessage>& messages, bool with_id_only = true) {
  std::vector<std::string> out;
  for (const auto& m : messages)
    if (!with_id_only || !m.id.empty()) out.push_back(m.event);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(events_stream)

BOOST_AUTO_TEST_CASE(finished_job_streams_its_history_then_end) {
  ApiFixture api;
  const auto id = api.create_job("training");
  run_two_agents(*api.store, start_job(*api.store));

  SseClient stream(api.port(), "/api/v1/jobs/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200);
  BOOST_TEST(stream.response().getContentType() == "text/event-stream; charset=utf-8");
  BOOST_TEST(!stream.response().get("X-Request-Id", "").empty());
  const auto messages = stream.read_to_end();
  const std::vector<std::string> expected = {"created",       "started",         "agent_started", "agent_completed",
                                             "agent_started", "agent_completed", "completed"};
  BOOST_TEST(names(messages) == expected, boost::test_tools::per_element());

  int64_t previous = 0;
  for (const auto& m : messages) {
    if (m.id.empty()) continue;
    BOOST_TEST(std::stoll(m.id) > previous);
    previous = std::stoll(m.id);
    const auto data = json::parse(m.data);
    BOOST_TEST(data["event"] == m.event);
    BOOST_TEST(data.contains("timestamp"));
    BOOST_TEST(data.contains("details"));
  }
  BOOST_TEST_REQUIRE(!messages.empty());
  BOOST_TEST(messages.back().event == "end");
  const auto end = json::parse(messages.back().data);
  BOOST_TEST(end["id"] == id);
  BOOST_TEST(end["status"] == "completed");
  BOOST_TEST(end["result"]["E2"]["ok"] == true);

  const auto progress = std::find_if(messages.begin(), messages.end(), [](auto& m) { return m.event == "progress"; });
  BOOST_TEST_REQUIRE((progress != messages.end()));
  const auto p = json::parse(progress->data);
  BOOST_TEST(p["status"] == "completed");
  BOOST_TEST(p["progress"]["percentage"] == 100.0);
  BOOST_TEST(p.contains("queue_position"));
  // After `end` the server closes the stream.
  BOOST_TEST(!stream.next().has_value());
}

BOOST_AUTO_TEST_CASE(live_stream_delivers_events_as_they_happen) {
  ApiFixture api;
  const auto id = api.create_job("training");
  SseClient stream(api.port(), "/api/v1/jobs/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200);
  const auto first = stream.next();
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->event == "created");
  const auto pending = stream.next();
  BOOST_TEST_REQUIRE(pending.has_value());
  BOOST_TEST(pending->event == "progress");
  BOOST_TEST(json::parse(pending->data)["status"] == "pending");

  auto rest = std::async(std::launch::async, [&] { return stream.read_to_end(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  run_two_agents(*api.store, start_job(*api.store));
  BOOST_TEST_REQUIRE((rest.wait_for(std::chrono::seconds(10)) == std::future_status::ready));
  const auto messages = rest.get();
  const auto events = names(messages);
  BOOST_TEST(std::count(events.begin(), events.end(), "agent_completed") == 2);
  BOOST_TEST(events.back() == "completed");
  BOOST_TEST(messages.back().event == "end");
}

BOOST_AUTO_TEST_CASE(last_event_id_resumes_after_what_was_seen) {
  ApiFixture api;
  const auto id = api.create_job("training");
  run_two_agents(*api.store, start_job(*api.store));

  SseClient header(api.port(), "/api/v1/jobs/" + id + "/events", {{"Last-Event-ID", "3"}});
  const auto resumed = header.read_to_end();
  BOOST_TEST_REQUIRE(!resumed.empty());
  const auto with_id = std::find_if(resumed.begin(), resumed.end(), [](auto& m) { return !m.id.empty(); });
  BOOST_TEST_REQUIRE((with_id != resumed.end()));
  BOOST_TEST(with_id->id == "4");
  BOOST_TEST(names(resumed).size() == 4u);  // agent_completed, agent_started, agent_completed, completed

  SseClient query(api.port(), "/api/v1/jobs/" + id + "/events?last_event_id=6");
  const std::vector<std::string> last = {"completed"};
  BOOST_TEST(names(query.read_to_end()) == last, boost::test_tools::per_element());

  const auto bad = api.request("GET", "/api/v1/jobs/" + id + "/events?last_event_id=x");
  BOOST_TEST(bad.status == 422);
  BOOST_TEST(bad.error_code() == "invalid_field");
  const auto missing = api.request("GET", "/api/v1/jobs/nope/events");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(missing.error_code() == "not_found");
}

BOOST_AUTO_TEST_CASE(cancelled_job_ends_its_stream) {
  ApiFixture api;
  const auto id = api.create_job("training");
  SseClient stream(api.port(), "/api/v1/jobs/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.next().has_value());
  BOOST_TEST_REQUIRE(api.request("POST", "/api/v1/jobs/" + id + "/cancel").status == 200);
  const auto messages = stream.read_to_end();
  BOOST_TEST_REQUIRE(!messages.empty());
  BOOST_TEST(messages.back().event == "end");
  BOOST_TEST(json::parse(messages.back().data)["status"] == "cancelled");
}

BOOST_AUTO_TEST_CASE(streams_are_capped_and_freed_when_clients_leave) {
  FixtureOptions options;
  options.api.max_sse_streams = 1;
  ApiFixture api(options);
  const auto id = api.create_job("training");
  auto first = std::make_unique<SseClient>(api.port(), "/api/v1/jobs/" + id + "/events");
  BOOST_TEST_REQUIRE(first->next().has_value());

  const auto refused = api.request("GET", "/api/v1/jobs/" + id + "/events");
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.error_code() == "too_many_streams");
  BOOST_TEST(!refused.header("Retry-After").empty());

  first->close();
  first.reset();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    SseClient again(api.port(), "/api/v1/jobs/" + id + "/events");
    status = again.status();
    if (status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(status == 200);
}

BOOST_AUTO_TEST_CASE(open_streams_leave_the_pool_threads_to_polls) {
  FixtureOptions options;
  options.api.max_threads = 2;
  options.api.max_sse_streams = 6;
  ApiFixture api(options);
  const auto id = api.create_job("training");
  std::vector<std::unique_ptr<SseClient>> streams;
  for (int i = 0; i < 6; ++i) {
    streams.push_back(std::make_unique<SseClient>(api.port(), "/api/v1/jobs/" + id + "/events"));
    BOOST_TEST_REQUIRE(streams.back()->next().has_value());
  }
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) BOOST_TEST(api.request("GET", "/api/v1/jobs/" + id).status == 200);
  BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(3)));
}

BOOST_AUTO_TEST_SUITE_END()
