// The scheduler as a frontend sees it through the API of a real `agentry
// serve`: the concurrency limit, FIFO by priority, queue positions, timeouts.
#include <signal.h>

#include <set>
#include <thread>

#include "service_fixture.h"
#include "support/script_dir.h"

using namespace agentry::testing;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(six_jobs_with_max_running_two_start_by_priority_then_fifo) {
  TempDir dir;
  const int port = free_port();
  const std::string log = (dir.path / "serve.log").string();
  auto server = start_agentry({"serve", "--port", std::to_string(port), "--db",
                               "sqlite:" + (dir.path / "a.db").string(), "--max-running", "2", "--poll-ms", "100"},
                              {{"AGENTRY_MOCK_LATENCY_MS", "250"}}, log, port);
  const auto client = example_input("client.json");
  // Two jobs take both slots first; the other four then wait together, so
  // the order they start in is decided by the queue alone.
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) ids.push_back(submit(port, "training", client, 0));
  for (const auto& id : ids)
    BOOST_REQUIRE(poll_until(
                      port, "/api/v1/jobs/" + id, [](const auto& j) { return j["status"] == "running"; }, 10s)
                      .body["status"] == "running");
  for (int i = 0; i < 3; ++i) ids.push_back(submit(port, "training", client, 0));
  ids.push_back(submit(port, "training", client, -10));  // lower runs first
  // Over the limit a job shows "queued" at once, not when a slot frees: this
  // process has no free thread, and its claim loop queues the new jobs anyway.
  for (size_t i = 2; i < ids.size(); ++i)
    BOOST_CHECK_MESSAGE(poll_until(
                            port, "/api/v1/jobs/" + ids[i], [](const auto& j) { return j["status"] == "queued"; }, 10s)
                                .body["status"] == "queued",
                        ids[i]);
  for (size_t i = 0; i < 2; ++i) BOOST_CHECK_EQUAL(get_job(port, ids[i])["status"], "running");

  std::map<std::string, std::vector<int64_t>> positions;
  int max_running = 0;
  const auto end = std::chrono::steady_clock::now() + 60s;
  bool all_done = false;
  while (!all_done && std::chrono::steady_clock::now() < end) {
    auto list = http_request(port, "GET", "/api/v1/jobs?limit=50");
    BOOST_REQUIRE_EQUAL(list.status, 200);
    int running = 0, done = 0;
    for (const auto& j : list.body["jobs"]) {
      const std::string status = j["status"];
      if (status == "running") ++running;
      if (status == "completed") ++done;
      if (!j["queue_position"].is_null()) positions[j["id"]].push_back(j["queue_position"].get<int64_t>());
    }
    max_running = std::max(max_running, running);
    all_done = done == 6;
    std::this_thread::sleep_for(20ms);
  }
  BOOST_REQUIRE_MESSAGE(all_done, tail_of(log));
  BOOST_CHECK_LE(max_running, 2);
  BOOST_CHECK_EQUAL(max_running, 2);

  // Start order: the two first jobs at once, then the priority job, then FIFO.
  // Jobs started by one claim share a millisecond; the claim took them in
  // (priority, submission) order.
  std::vector<std::tuple<std::string, int, size_t, std::string>> starts;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto job = get_job(port, ids[i]);
    starts.emplace_back(job["started_at"].get<std::string>(), job["priority"].get<int>(), i, ids[i]);
  }
  std::sort(starts.begin(), starts.end());
  std::vector<std::string> order;
  for (const auto& s : starts) order.push_back(std::get<3>(s));
  const std::vector<std::string> expected{ids[0], ids[1], ids[5], ids[2], ids[3], ids[4]};
  BOOST_CHECK_EQUAL_COLLECTIONS(order.begin(), order.end(), expected.begin(), expected.end());

  // Queue positions only ever count down; the last FIFO job waited behind
  // the three others (the priority job among them).
  for (const auto& [id, seen] : positions)
    for (size_t i = 1; i < seen.size(); ++i) BOOST_CHECK_MESSAGE(seen[i] <= seen[i - 1], id);
  BOOST_CHECK_MESSAGE(!positions[ids[4]].empty() && positions[ids[4]].front() == 4,
                      "first positions seen: " << (positions[ids[4]].empty() ? -1 : positions[ids[4]].front()));
  BOOST_CHECK(!positions[ids[5]].empty() && positions[ids[5]].front() == 1);
  server->signal(SIGTERM);
  BOOST_CHECK_EQUAL(server->wait(20s).value_or(-1), 0);
}

BOOST_AUTO_TEST_CASE(a_job_over_its_timeout_fails_with_reason_timeout) {
  TempDir dir;
  // The shipped pipelines declare their own timeouts; this one takes the default.
  ScriptDir scripts;
  scripts.write("agents/slow.lua",
                "return agent { name = 'slow', run = function()\n"
                "  for i = 1, 10 do llm.chat { prompt = 'step ' .. i } end\n  return { done = true } end }\n");
  scripts.write("pipelines/slow_job.lua", "return pipeline { name = 'slow_job', steps = { 'slow' } }\n");
  const int port = free_port();
  const std::string log = (dir.path / "serve.log").string();
  auto server =
      start_agentry({"serve", "--port", std::to_string(port), "--db", "sqlite:" + (dir.path / "t.db").string(),
                     "--job-timeout", "1", "--scripts", scripts.path().string()},
                    {{"AGENTRY_MOCK_LATENCY_MS", "400"}}, log, port);
  const auto id = submit(port, "slow_job", nlohmann::json::object());
  auto job = poll_until(
      port, "/api/v1/jobs/" + id, [](const auto& j) { return j["status"] == "failed"; }, 15s);
  BOOST_REQUIRE_MESSAGE(job.body["status"] == "failed", job.raw << tail_of(log));
  BOOST_CHECK_EQUAL(job.body["error"]["reason"], "timeout");
}
