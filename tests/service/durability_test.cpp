// Nothing is lost when a process dies: kill -9 mid-run and restart, SIGTERM
// drains, and several processes on one MariaDB run each job exactly once.
#include <signal.h>

#include <thread>

#include "server/mock_llm_server.h"
#include "service_fixture.h"
#include "support/store_databases.h"

using namespace agentry::testing;
using namespace std::chrono_literals;

namespace {

int completed_steps(int port, const std::vector<std::string>& ids) {
  int n = 0;
  for (const auto& id : ids) n += get_job(port, id)["progress"]["completed_steps"].get<int>();
  return n;
}

bool all_completed(int port, const std::vector<std::string>& ids) {
  for (const auto& id : ids)
    if (get_job(port, id)["status"] != "completed") return false;
  return true;
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

agentry::server::MockLlmOptions answering_in(std::chrono::milliseconds latency) {
  agentry::server::MockLlmOptions options;
  options.latency = latency;
  return options;
}

// Five `training` jobs (9 agents each) running on `agentry serve
// --max-running 5` against a mock LLM that answers in 150 ms and counts the
// calls. `db` empty: a SQLite file of the test's own.
struct FiveRunningJobs {
  agentry::server::MockLlmServer mock{answering_in(150ms)};
  TempDir dir;
  const int port = free_port();
  const std::string log = (dir.path / "serve.log").string();
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::unique_ptr<ChildProcess> server;
  std::vector<std::string> ids;

  FiveRunningJobs(const std::string& db, const std::string& worker_id) {
    mock.start();
    const std::string database = db.empty() ? "sqlite:" + (dir.path / "k.db").string() : db;
    args = {"serve", "--port", std::to_string(port), "--db", database, "--max-running", "5", "--worker-id", worker_id};
    env = {{"OPENAI_API_KEY", "sk-test-not-a-secret"}, {"OPENAI_BASE_URL", mock.base_url()}};
    server = start_agentry(args, env, log, port);
    for (int i = 0; i < 5; ++i) ids.push_back(submit(port, "training", example_input("client.json")));
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(kill_9_mid_run_then_restart_completes_every_job_without_rerunning_agents) {
  FiveRunningJobs run("", "crash-test");
  auto [mock, port, ids, log] = std::tie(run.mock, run.port, run.ids, run.log);
  BOOST_REQUIRE(wait_for([&] { return completed_steps(port, ids) >= 15; }, 30s));

  run.server->signal(SIGKILL);
  run.server->wait(10s);
  const int64_t calls_at_kill = mock.stats().total;
  const auto restarted_at = std::chrono::steady_clock::now();
  run.server = start_agentry(run.args, run.env, log, port);
  BOOST_REQUIRE_MESSAGE(wait_for([&] { return all_completed(port, ids); }, 60s), tail_of(log));
  // The same worker id found its own stale leases: no waiting for the lease.
  BOOST_CHECK(std::chrono::steady_clock::now() - restarted_at < 30s);

  // 5 jobs x 9 agents; the only repeats allowed are the calls that were in
  // flight when the process died (at most one per running job).
  const int64_t total = mock.stats().total;
  BOOST_TEST_MESSAGE("LLM calls: " << total << " (" << calls_at_kill << " before the kill)");
  BOOST_CHECK_GE(total, 45);
  BOOST_CHECK_LE(total, 45 + 5);
  for (const auto& id : ids) {
    auto job = get_job(port, id);
    BOOST_CHECK_EQUAL(job["result"].size(), 9u);
    BOOST_CHECK_EQUAL(job["progress"]["percentage"], 100.0);
  }
}

BOOST_AUTO_TEST_CASE(sigterm_drains_refuses_new_jobs_and_loses_nothing) {
  TempDir dir;
  const int port = free_port();
  const std::string log = (dir.path / "serve.log").string();
  const std::string db = "sqlite:" + (dir.path / "d.db").string();
  const std::vector<std::string> args{"serve", "--port",      std::to_string(port), "--db", db, "--shutdown-grace",
                                      "1",     "--worker-id", "drain-test"};
  auto server = start_agentry(args, {{"AGENTRY_MOCK_LATENCY_MS", "300"}}, log, port);
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) ids.push_back(submit(port, "training", example_input("client.json")));
  BOOST_REQUIRE(wait_for([&] { return completed_steps(port, ids) >= 2; }, 20s));

  server->signal(SIGTERM);
  std::this_thread::sleep_for(100ms);
  auto refused =
      http_request(port, "POST", "/api/v1/jobs", {{"pipeline", "training"}, {"input", example_input("client.json")}});
  BOOST_CHECK_EQUAL(refused.status, 503);
  BOOST_CHECK_EQUAL(server->wait(15s).value_or(-1), 0);

  // The jobs the grace period cut short resume after a restart.
  server = start_agentry(args, {{"AGENTRY_MOCK_LATENCY_MS", "0"}}, log, port);
  BOOST_REQUIRE_MESSAGE(wait_for([&] { return all_completed(port, ids); }, 30s), tail_of(log));
}

BOOST_AUTO_TEST_CASE(two_workers_and_an_api_on_mariadb_run_200_jobs_exactly_once) {
  const std::string url = agentry::test::fresh_mysql_url();
  TempDir dir;
  const int port = free_port();
  const std::string log = (dir.path / "cluster.log").string();
  auto api = start_agentry({"serve", "--no-workers", "--port", std::to_string(port), "--db", url}, {}, log, port);
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int i = 0; i < 2; ++i)
    workers.push_back(start_agentry({"worker", "--db", url, "--max-running", "6", "--worker-threads", "4", "--poll-ms",
                                     "200", "--worker-id", "w" + std::to_string(i)},
                                    {}, log));
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(submit(port, "training", example_input("client.json")));

  int max_running = 0;
  const bool done = wait_for(
      [&] {
        auto running = http_request(port, "GET", "/api/v1/jobs?status=running&limit=500");
        max_running = std::max(max_running, static_cast<int>(running.body["jobs"].size()));
        auto finished = http_request(port, "GET", "/api/v1/jobs?status=completed&limit=500");
        return finished.body["jobs"].size() == 200;
      },
      240s);
  BOOST_REQUIRE_MESSAGE(done, tail_of(log));
  BOOST_CHECK_LE(max_running, 6);
  for (const auto& id : ids) {
    auto job = get_job(port, id);
    BOOST_CHECK_EQUAL(job["attempt"], 1);
    int started = 0, agents = 0;
    for (const auto& e : job["execution_log"]) {
      started += e["event"] == "started" || e["event"] == "resumed";
      agents += e["event"] == "agent_started";
    }
    BOOST_CHECK_EQUAL(started, 1);
    BOOST_CHECK_EQUAL(agents, 9);
  }
  for (auto& w : workers) w->signal(SIGTERM);
  for (auto& w : workers) BOOST_CHECK_EQUAL(w->wait(30s).value_or(-1), 0);
}

BOOST_AUTO_TEST_CASE(a_mariadb_restart_mid_run_fails_no_job_and_repeats_no_llm_call) {
  FiveRunningJobs run(agentry::test::fresh_mysql_url(), "outage-test");
  auto [mock, port, ids, log] = std::tie(run.mock, run.port, run.ids, run.log);
  BOOST_REQUIRE(wait_for([&] { return completed_steps(port, ids) >= 10; }, 30s));

  // Every running job finishes LLM calls while the server is down: their
  // checkpoints wait for it instead of failing the job or dropping the step.
  if (!agentry::test::restart_test_mariadb()) {
    BOOST_TEST_MESSAGE("AGENTRY_TEST_MYSQL_URL names an external server; not restarting it");
    return;
  }
  BOOST_REQUIRE_MESSAGE(wait_for([&] { return all_completed(port, ids); }, 60s), tail_of(log));
  for (const auto& id : ids) {
    auto job = get_job(port, id);
    BOOST_CHECK_EQUAL(job["attempt"], 1);
    BOOST_CHECK_EQUAL(job["result"].size(), 9u);
  }
  // 5 jobs x 9 agents, each called once: no step was lost and run again.
  BOOST_CHECK_EQUAL(mock.stats().total, 45);
  // The restart did meet writes (it is not over between two steps).
  const std::string logged = tail_of(log, 1 << 20);
  BOOST_CHECK(logged.find("not written, trying again") != std::string::npos);
  BOOST_CHECK(logged.find("written after the database was unavailable") != std::string::npos);
  run.server->signal(SIGTERM);
  BOOST_CHECK_EQUAL(run.server->wait(30s).value_or(-1), 0);
}
