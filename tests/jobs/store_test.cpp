// The JobStore contract, run against SQLite and MariaDB alike.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <thread>
#include <tuple>

#include "jobs/store_fixture.h"

using namespace agentry::jobs;
using namespace agentry::test;
using namespace std::chrono_literals;

namespace {

// Distinct created_at values, so FIFO order is by time and not by id.
void tick() { std::this_thread::sleep_for(2ms); }

Progress some_progress(int done, const std::string& agent) {
  Progress p;
  p.phase = "training";
  p.current_agent = agent;
  p.completed_steps = done;
  p.total_steps = 9;
  p.percentage = done * 100.0 / 9;
  p.message = "Agent " + agent + " completed";
  return p;
}

StepRecord some_step(const std::string& key, const std::string& agent) {
  StepRecord s;
  s.key = key;
  s.agent = agent;
  s.output = {{"profile", "Ана, 34, intermediate"}, {"constraints", {"knee"}}};
  s.usage = Usage{1, 120, 45};
  s.started_at = now_ms() - 1500ms;
  s.finished_at = now_ms();
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE_TEMPLATE(create_then_get_returns_the_pending_job_with_its_created_event, B, Backends) {
  auto store = open_store(B::fresh_url());
  NewJob in = new_job("training", 3);
  in.owner = "alice";
  in.input = {{"name", "Zoë 💪"}, {"weeks", 12}, {"goals", {"strength", "mobility"}}};
  const TimePoint before = now_ms();
  const auto created = store->create(in);
  BOOST_TEST(created.created);
  BOOST_TEST(created.job.id.size() == 32u);

  const auto job = store->get(created.job.id);
  BOOST_REQUIRE(job);
  BOOST_TEST(job->pipeline == "training");
  BOOST_TEST(to_string(job->status) == "pending");
  BOOST_TEST(job->priority == 3);
  BOOST_TEST(job->owner == "alice");
  BOOST_TEST(job->input == in.input);
  BOOST_TEST(job->result.is_null());
  BOOST_TEST(!job->error);
  BOOST_TEST(job->attempt == 0);
  BOOST_TEST(job->queue_position.value_or(-1) == 1);
  BOOST_TEST((job->created_at >= before && job->created_at <= now_ms()));
  BOOST_TEST(!job->started_at);
  BOOST_REQUIRE_EQUAL(job->execution_log.size(), 1u);
  BOOST_TEST(job->execution_log[0].event == "created");
  BOOST_TEST(job->execution_log[0].seq == 1);
  BOOST_TEST(!store->get("0123456789abcdef0123456789abcdef"));

  // What a plain GET reads: everything but the input.
  const auto without_input = store->get(created.job.id, {.input = false});
  BOOST_REQUIRE(without_input);
  BOOST_TEST(without_input->input == nlohmann::json::object());
  BOOST_TEST(without_input->owner == "alice");
  BOOST_TEST(without_input->execution_log.size() == 1u);
  const auto version = store->version_of(created.job.id);
  BOOST_REQUIRE(version);
  BOOST_TEST(to_string(version->status) == "pending");
  BOOST_TEST(version->event_seq == 1);
  BOOST_TEST(version->queue_position.value_or(-1) == 1);
  BOOST_TEST(!store->version_of("0123456789abcdef0123456789abcdef"));
}

// A cached document of a waiting job is served while its version stands, so
// every change to the job must move it, and the queue position must follow
// the jobs ahead.
BOOST_AUTO_TEST_CASE_TEMPLATE(version_of_moves_with_the_job_and_the_queue_ahead, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto first = store->create(new_job("training", 0)).job.id;
  tick();
  const auto second = store->create(new_job("training", 0)).job.id;
  BOOST_TEST(store->version_of(second)->queue_position.value_or(-1) == 2);
  BOOST_TEST(store->version_of(second)->event_seq == 1);

  BOOST_REQUIRE(store->cancel(first) == CancelResult::cancelled);
  const auto cancelled = store->version_of(first);
  BOOST_TEST(to_string(cancelled->status) == "cancelled");
  BOOST_TEST(cancelled->event_seq == 2);
  BOOST_TEST(!cancelled->queue_position);
  BOOST_TEST(store->version_of(second)->queue_position.value_or(-1) == 1);
  BOOST_TEST(store->version_of(second)->event_seq == 1);

  const auto claimed = store->claim(claim_request("w1", 1));
  BOOST_REQUIRE(claimed.size() == 1u);
  const auto running = store->version_of(second);
  BOOST_TEST(to_string(running->status) == "running");
  BOOST_TEST(running->event_seq > 1);
  BOOST_TEST(!running->queue_position);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(get_state_reads_the_job_and_its_queue_position_without_the_log, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto first = store->create(new_job("training", 0)).job.id;
  tick();
  const auto second = store->create(new_job("training", 0)).job.id;
  const auto state = store->get_state(second);
  BOOST_REQUIRE(state);
  BOOST_TEST(to_string(state->status) == "pending");
  BOOST_TEST(state->queue_position.value_or(-1) == 2);
  BOOST_TEST(state->execution_log.empty());
  BOOST_TEST(store->get(first)->execution_log.size() == 1u);
  BOOST_TEST(!store->get_state("no-such-job"));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(an_idempotency_key_returns_the_owners_first_job, B, Backends) {
  auto store = open_store(B::fresh_url());
  NewJob in = new_job();
  in.owner = "alice";
  in.idempotency_key = "plan-2026-11-24";
  const auto first = store->create(in);
  const auto again = store->create(in);
  BOOST_TEST(first.created);
  BOOST_TEST(!again.created);
  BOOST_TEST(again.job.id == first.job.id);

  in.owner = "bob";
  const auto other_owner = store->create(in);
  BOOST_TEST(other_owner.created);
  BOOST_TEST(other_owner.job.id != first.job.id);

  NewJob no_key = new_job();
  BOOST_TEST(store->create(no_key).job.id != store->create(no_key).job.id);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(claims_take_jobs_by_priority_then_age_and_start_them, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto low = store->create(new_job("training", 5)).job.id;
  tick();
  const auto first = store->create(new_job("training", 0)).job.id;
  tick();
  const auto second = store->create(new_job("training", 0)).job.id;

  const TimePoint now = now_ms();
  const auto claimed = store->claim(claim_request("w1", 3, 3, now));
  BOOST_REQUIRE_EQUAL(claimed.size(), 3u);
  BOOST_TEST(claimed[0].job.id == first);
  BOOST_TEST(claimed[1].job.id == second);
  BOOST_TEST(claimed[2].job.id == low);
  for (const auto& c : claimed) {
    BOOST_TEST(c.lease.worker_id == "w1");
    BOOST_TEST(c.lease.attempt == 1);
    BOOST_TEST(c.job.input == new_job().input);
    const auto job = store->get(c.job.id);
    BOOST_TEST(to_string(job->status) == "running");
    BOOST_TEST(job->worker_id.value_or("") == "w1");
    BOOST_TEST((job->lease_until == now + 60s));
    BOOST_TEST((job->started_at == now));
    BOOST_TEST(job->script_version == "v1");
    BOOST_TEST(!job->queue_position);
    BOOST_TEST((event_names(*job) == std::vector<std::string>{"created", "started"}));
    // The claim's copy is the row as its start left it (built, not read back).
    BOOST_TEST(to_string(c.job.status) == "running");
    BOOST_TEST(c.job.worker_id.value_or("") == "w1");
    BOOST_TEST((c.job.lease_until == job->lease_until));
    BOOST_TEST((c.job.started_at == job->started_at));
    BOOST_TEST(c.job.script_version == job->script_version);
    BOOST_TEST(c.job.attempt == job->attempt);
    BOOST_TEST((c.job.created_at == job->created_at));
  }
  BOOST_TEST(store->claim(claim_request("w2", 3, 10)).empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_claim_for_no_job_only_queues_the_pending_jobs_at_the_limit, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto first = store->create(new_job()).job.id;
  tick();
  const auto second = store->create(new_job()).job.id;
  // Below the limit a process with no free thread leaves jobs to the others.
  BOOST_TEST(store->claim(claim_request("w1", 0, 5)).empty());
  BOOST_TEST(to_string(store->get(first)->status) == "pending");

  BOOST_REQUIRE_EQUAL(store->claim(claim_request("w1", 1, 1)).size(), 1u);
  tick();
  const auto third = store->create(new_job()).job.id;  // created over the limit
  BOOST_TEST(store->claim(claim_request("w1", 0, 1)).empty());
  for (const auto& id : {second, third}) {
    const auto job = store->get(id);
    BOOST_TEST(to_string(job->status) == "queued");
    BOOST_TEST((event_names(*job) == std::vector<std::string>{"created", "queued"}));
  }
  BOOST_TEST(store->get(third)->queue_position.value_or(-1) == 2);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_reused_claim_request_leases_from_the_time_of_each_call, B, Backends) {
  auto store = open_store(B::fresh_url());
  ClaimRequest request;  // no `now`: each claim uses its own
  request.worker_id = "w1";
  request.max_running = 10;
  request.lease = 60s;
  store->create(new_job());
  store->create(new_job());
  store->claim(request);
  std::this_thread::sleep_for(50ms);
  const TimePoint before = now_ms();
  const auto second = store->claim(request);
  BOOST_REQUIRE_EQUAL(second.size(), 1u);
  BOOST_TEST((store->get(second[0].job.id)->lease_until.value_or(TimePoint{}) >= before + 60s));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_global_limit_holds_and_waiting_jobs_show_queued_with_their_position, B, Backends) {
  auto store = open_store(B::fresh_url());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i, tick()) ids.push_back(store->create(new_job()).job.id);

  const auto claimed = store->claim(claim_request("w1", 5, 2));
  BOOST_REQUIRE_EQUAL(claimed.size(), 2u);
  for (int i : {2, 3}) {
    const auto job = store->get(ids[i]);
    BOOST_TEST(to_string(job->status) == "queued");
    BOOST_TEST(job->queue_position.value_or(-1) == i - 1);
    BOOST_TEST((event_names(*job) == std::vector<std::string>{"created", "queued"}));
  }
  BOOST_TEST(store->claim(claim_request("w2", 5, 2)).empty());

  store->complete(claimed[0].lease, {{"ok", true}}, some_progress(9, "E9"), {});
  const auto next = store->claim(claim_request("w2", 5, 2));
  BOOST_REQUIRE_EQUAL(next.size(), 1u);
  BOOST_TEST(next[0].job.id == ids[2]);
  BOOST_TEST(store->get(ids[3])->queue_position.value_or(-1) == 1);
  // Queued once: a second full claim adds no second "queued" event.
  BOOST_TEST((event_names(*store->get(ids[3])) == std::vector<std::string>{"created", "queued"}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(queue_position_follows_claim_order_not_arrival, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto background = store->create(new_job("backlog", 10)).job.id;
  tick();
  const auto urgent = store->create(new_job("interview", 0)).job.id;
  BOOST_TEST(store->get(urgent)->queue_position.value_or(-1) == 1);
  BOOST_TEST(store->get(background)->queue_position.value_or(-1) == 2);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(queue_position_counts_the_jobs_ahead_by_priority_time_and_id, B, Backends) {
  auto store = open_store(B::fresh_url());
  // No tick(): several jobs share a created_at, so the id decides between them.
  std::vector<Job> jobs;
  for (int i = 0; i < 9; ++i) jobs.push_back(store->create(new_job("training", i % 3)).job);
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
    return std::tie(a.priority, a.created_at, a.id) < std::tie(b.priority, b.created_at, b.id);
  });
  for (size_t i = 0; i < jobs.size(); ++i)
    BOOST_TEST(store->get(jobs[i].id)->queue_position.value_or(-1) == static_cast<int64_t>(i + 1));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_checkpoint_stores_step_progress_totals_and_events_together, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const auto claimed = store->claim(claim_request("w1"));
  BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
  auto journal = make_store_journal(*store, claimed[0].lease);

  BOOST_TEST(!journal->find_step("0001"));
  journal->log(Event{0, now_ms(), "agent_started", "E1"});
  const StepRecord step = some_step("0001", "E1");
  journal->checkpoint(step, some_progress(1, "E1"), JobTotals{Usage{1, 120, 45}, 1},
                      {Event{0, now_ms(), "agent_completed", "E1 in 1.5 s"}});

  const auto job = store->get(id, {.steps = true});
  BOOST_TEST(job->progress.completed_steps == 1);
  BOOST_TEST(job->progress.current_agent == "E1");
  BOOST_TEST(job->progress.message == "Agent E1 completed");
  BOOST_TEST((job->usage == Usage{1, 120, 45}));
  BOOST_TEST(job->retry_count == 1);
  BOOST_REQUIRE_EQUAL(job->steps.size(), 1u);
  BOOST_TEST(job->steps[0].output == step.output);
  BOOST_TEST((job->steps[0].usage == step.usage));
  BOOST_TEST((job->steps[0].started_at == step.started_at));
  BOOST_TEST((event_names(*job) == std::vector<std::string>{"created", "started", "agent_started", "agent_completed"}));
  BOOST_TEST(job->execution_log.back().seq == 4);

  const auto replay = journal->find_step("0001");
  BOOST_REQUIRE(replay);
  BOOST_TEST(replay->output == step.output);
  BOOST_TEST(replay->agent == "E1");

  // A failed step is kept for the record but never replayed.
  StepRecord failed = some_step("0002", "E2");
  failed.status = "failed";
  failed.output = nullptr;
  failed.raw_reply = "not json {";
  failed.error = "reply is not JSON";
  journal->checkpoint(failed, some_progress(1, "E2"), JobTotals{Usage{2, 200, 90}, 1}, {});
  BOOST_TEST(!journal->find_step("0002"));
  const auto steps = store->get(id, {.steps = true})->steps;
  BOOST_REQUIRE_EQUAL(steps.size(), 2u);
  BOOST_TEST(steps[1].raw_reply == "not json {");
  BOOST_TEST(steps[1].output.is_null());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_zombie_worker_changes_nothing_once_its_job_was_rescued, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const TimePoint t0 = now_ms();
  const auto a = store->claim(claim_request("worker-a", 1, 2, t0)).at(0).lease;
  store->checkpoint(a, some_step("0001", "E1"), some_progress(1, "E1"), JobTotals{Usage{1, 120, 45}, 0}, {});

  const auto report = store->rescue_expired_leases(t0 + 61s, 3);
  BOOST_TEST((report.requeued == std::vector<std::string>{id}));
  BOOST_TEST(report.failed.empty());
  auto job = store->get(id);
  BOOST_TEST(to_string(job->status) == "pending");
  BOOST_TEST(!job->worker_id);
  BOOST_TEST(job->execution_log.back().event == "lease_expired");

  const auto b = store->claim(claim_request("worker-b", 1, 2, t0 + 62s)).at(0).lease;
  BOOST_TEST(b.attempt == 2);
  job = store->get(id);
  BOOST_TEST(job->execution_log.back().event == "resumed");
  BOOST_TEST((job->started_at == t0));  // the timeout counts from the first start
  // The new worker replays what the old one finished.
  BOOST_TEST(store->find_step(b, "0001").has_value());

  BOOST_CHECK_THROW(store->checkpoint(a, some_step("0002", "E2"), some_progress(2, "E2"), {}, {}), LeaseLost);
  BOOST_CHECK_THROW(store->progress(a, some_progress(5, "E5"), {}, {}), LeaseLost);
  BOOST_CHECK_THROW(store->log(a, {Event{0, now_ms(), "zombie", ""}}), LeaseLost);
  BOOST_CHECK_THROW(store->complete(a, {{"zombie", true}}, some_progress(9, "E9"), {}), LeaseLost);
  BOOST_CHECK_THROW(store->fail(a, JobError{"script_error", "zombie"}, {}, {}), LeaseLost);
  BOOST_CHECK_THROW(store->find_step(a, "0001"), LeaseLost);
  BOOST_TEST((store->heartbeat(a, 60s) == LeaseStatus::lost));

  job = store->get(id, {.steps = true});
  BOOST_TEST(to_string(job->status) == "running");
  BOOST_TEST(job->worker_id.value_or("") == "worker-b");
  BOOST_TEST(job->progress.completed_steps == 1);
  BOOST_TEST(job->steps.size() == 1u);
  BOOST_TEST(job->result.is_null());
  for (const auto& e : job->execution_log) BOOST_TEST(e.event != "zombie");
  BOOST_TEST((store->heartbeat(b, 60s) == LeaseStatus::held));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_resumed_journal_replays_the_steps_of_the_earlier_attempt, B, Backends) {
  auto store = open_store(B::fresh_url());
  store->create(new_job());
  const TimePoint t0 = now_ms();
  const auto first = store->claim(claim_request("worker-a", 1, 2, t0)).at(0).lease;
  auto journal = make_store_journal(*store, first);
  BOOST_TEST(!journal->find_step("0001"));
  journal->checkpoint(some_step("0001", "E1"), some_progress(1, "E1"), {}, {});
  BOOST_TEST(journal->find_step("0001").has_value());
  store->rescue_expired_leases(t0 + 61s, 3);

  const auto second = store->claim(claim_request("worker-b", 1, 2, t0 + 62s)).at(0).lease;
  BOOST_TEST(second.attempt == 2);
  auto resumed = make_store_journal(*store, second);
  const auto replay = resumed->find_step("0001");
  BOOST_REQUIRE(replay);
  BOOST_TEST(replay->agent == "E1");
  BOOST_TEST(!resumed->find_step("0002"));
  // The first attempt's journal is fenced out once it writes.
  BOOST_CHECK_THROW(journal->checkpoint(some_step("0002", "E2"), some_progress(2, "E2"), {}, {}), LeaseLost);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(losing_the_lease_on_the_last_attempt_fails_the_job, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const TimePoint t0 = now_ms();
  store->claim(claim_request("w1", 1, 2, t0));
  store->rescue_expired_leases(t0 + 61s, 2);
  store->claim(claim_request("w2", 1, 2, t0 + 62s));
  const auto report = store->rescue_expired_leases(t0 + 123s, 2);
  BOOST_TEST(report.requeued.empty());
  BOOST_TEST((report.failed == std::vector<std::string>{id}));
  const auto job = store->get(id);
  BOOST_TEST(to_string(job->status) == "failed");
  BOOST_REQUIRE(job->error);
  BOOST_TEST(job->error->reason == "lease_lost");
  BOOST_TEST(job->error->message.find("w2") != std::string::npos);
  BOOST_TEST(job->completed_at.has_value());
  BOOST_TEST(job->execution_log.back().event == "failed");
  BOOST_TEST(store->claim(claim_request("w3")).empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_heartbeat_keeps_the_watchdog_away, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const TimePoint t0 = now_ms();
  const auto lease = store->claim(claim_request("w1", 1, 2, t0)).at(0).lease;
  BOOST_TEST((store->heartbeat(lease, 60s, t0 + 50s) == LeaseStatus::held));
  BOOST_TEST((store->get(id)->lease_until == t0 + 110s));
  BOOST_TEST(store->rescue_expired_leases(t0 + 61s, 3).requeued.empty());
  BOOST_TEST(to_string(store->get(id)->status) == "running");
  BOOST_TEST((store->rescue_expired_leases(t0 + 111s, 3).requeued == std::vector<std::string>{id}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_timeout_fails_a_job_and_fences_out_its_worker, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const TimePoint t0 = now_ms();
  const auto lease = store->claim(claim_request("w1", 1, 2, t0)).at(0).lease;
  BOOST_TEST(store->fail_timed_out(t0 + 29s, 30s).failed.empty());
  BOOST_TEST((store->fail_timed_out(t0 + 31s, 30s).failed == std::vector<std::string>{id}));
  const auto job = store->get(id);
  BOOST_TEST(to_string(job->status) == "failed");
  BOOST_REQUIRE(job->error);
  BOOST_TEST(job->error->reason == "timeout");
  BOOST_TEST(job->execution_log.back().event == "timeout");
  BOOST_CHECK_THROW(store->progress(lease, some_progress(3, "E3"), {}, {}), LeaseLost);
  BOOST_TEST((store->heartbeat(lease, 60s) == LeaseStatus::lost));
  // A job that never started is not timed out by its time in the queue.
  const auto waiting = store->create(new_job()).job.id;
  BOOST_TEST(store->fail_timed_out(now_ms() + 1h, 30s).failed.empty());
  BOOST_TEST(to_string(store->get(waiting)->status) == "pending");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(cancel_stops_waiting_and_running_jobs_and_frees_the_slot, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto waiting = store->create(new_job()).job.id;
  BOOST_TEST((store->cancel(waiting) == CancelResult::cancelled));
  auto job = store->get(waiting);
  BOOST_TEST(to_string(job->status) == "cancelled");
  BOOST_TEST(job->error.value_or(JobError{}).reason == "cancelled");
  BOOST_TEST(job->completed_at.has_value());
  BOOST_TEST(job->execution_log.back().event == "cancelled");
  BOOST_TEST(store->claim(claim_request("w1")).empty());

  const auto running = store->create(new_job()).job.id;
  const auto lease = store->claim(claim_request("w1", 1, 1)).at(0).lease;
  BOOST_TEST((store->cancel(running, "user pressed stop") == CancelResult::cancelled));
  BOOST_TEST(store->get(running)->error.value_or(JobError{}).message == "user pressed stop");
  BOOST_TEST((store->heartbeat(lease, 60s) == LeaseStatus::cancelled));
  BOOST_CHECK_THROW(store->log(lease, {Event{0, now_ms(), "agent_started", "E2"}}), LeaseLost);
  BOOST_CHECK_THROW(store->complete(lease, {{"late", true}}, {}, {}), LeaseLost);
  BOOST_TEST(to_string(store->get(running)->status) == "cancelled");

  const auto next = store->create(new_job()).job.id;
  const auto claimed = store->claim(claim_request("w2", 1, 1));
  BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
  BOOST_TEST(claimed[0].job.id == next);

  BOOST_TEST((store->cancel(running) == CancelResult::already_finished));
  BOOST_TEST((store->cancel("0123456789abcdef0123456789abcdef") == CancelResult::not_found));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(complete_and_fail_record_the_outcome_once, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto done = store->create(new_job()).job.id;
  const auto broken = store->create(new_job()).job.id;
  const auto claimed = store->claim(claim_request("w1", 2, 2));
  BOOST_REQUIRE_EQUAL(claimed.size(), 2u);
  const Lease& ok = claimed[0].job.id == done ? claimed[0].lease : claimed[1].lease;
  const Lease& bad = claimed[0].job.id == done ? claimed[1].lease : claimed[0].lease;

  const nlohmann::json result = {{"E1", {{"profile", "…"}}}, {"E9", {{"summary", "готово"}}}};
  Progress final = some_progress(9, "E9");
  store->complete(ok, result, final, JobTotals{Usage{9, 9000, 3000}, 2}, "9 agents");
  auto job = store->get(done);
  BOOST_TEST(to_string(job->status) == "completed");
  BOOST_TEST(job->result == result);
  BOOST_TEST((job->usage == Usage{9, 9000, 3000}));
  BOOST_TEST(job->retry_count == 2);
  BOOST_TEST(job->progress.completed_steps == 9);
  BOOST_TEST(job->completed_at.has_value());
  BOOST_TEST(!job->lease_until);
  BOOST_TEST(job->execution_log.back().event == "completed");
  BOOST_TEST(job->execution_log.back().details == "9 agents");
  BOOST_CHECK_THROW(store->complete(ok, {{"twice", true}}, final, {}), LeaseLost);
  BOOST_TEST(store->get(done)->result == result);

  store->fail(bad, JobError{"llm_error", "OPENAI_API_KEY was rejected (401): set a valid key"}, some_progress(2, "E3"),
              JobTotals{Usage{3, 10, 0}, 0});
  job = store->get(broken);
  BOOST_TEST(to_string(job->status) == "failed");
  BOOST_TEST(job->error.value_or(JobError{}).reason == "llm_error");
  BOOST_TEST(job->error.value_or(JobError{}).message == "OPENAI_API_KEY was rejected (401): set a valid key");
  BOOST_TEST(job->execution_log.back().event == "failed");
  BOOST_TEST((job->usage == Usage{3, 10, 0}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(complete_stores_a_held_last_step_with_its_events_before_completed, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const auto stale = store->create(new_job()).job.id;
  const TimePoint t0 = now_ms();
  const auto claimed = store->claim(claim_request("w1", 2, 2, t0));
  BOOST_REQUIRE_EQUAL(claimed.size(), 2u);
  const Lease& lease = claimed[0].job.id == id ? claimed[0].lease : claimed[1].lease;
  const Lease& zombie = claimed[0].job.id == id ? claimed[1].lease : claimed[0].lease;
  store->checkpoint(lease, some_step("0001", "E1"), some_progress(1, "E1"), {}, {});

  const StepCheckpoint last{some_step("0002", "E2"),
                            {Event{0, now_ms(), "agent_started", "E2"}, Event{0, now_ms(), "agent_completed", "E2"}}};
  store->complete(lease, JobResult::text(R"({"plan":"ok"})"), some_progress(2, "E2"), JobTotals{Usage{2, 20, 10}, 0},
                  "2 steps", &last);
  auto job = store->get(id, {.steps = true});
  BOOST_TEST(to_string(job->status) == "completed");
  BOOST_REQUIRE_EQUAL(job->steps.size(), 2u);
  BOOST_TEST(job->steps[1].key == "0002");
  BOOST_TEST(job->steps[1].output == last.step.output);
  BOOST_TEST(job->steps[1].status == "completed");
  BOOST_TEST((event_names(*job) ==
              std::vector<std::string>{"created", "started", "agent_started", "agent_completed", "completed"}));
  for (size_t i = 0; i < job->execution_log.size(); ++i) BOOST_TEST(job->execution_log[i].seq == int64_t(i) + 1);

  // A worker that lost its lease writes neither the result nor the step.
  store->rescue_expired_leases(t0 + 61s, 3);
  BOOST_CHECK_THROW(store->complete(zombie, JobResult::text(R"({"zombie":true})"), {}, {}, "", &last), LeaseLost);
  job = store->get(stale, {.steps = true});
  BOOST_TEST(to_string(job->status) == "pending");
  BOOST_TEST(job->steps.empty());
  BOOST_TEST(job->execution_log.back().event == "lease_expired");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_result_made_of_steps_is_read_back_from_them_and_not_written_twice, B, Backends) {
  const auto url = B::fresh_url();
  auto store = open_store(url);
  const auto id = store->create(new_job()).job.id;
  const auto claimed = store->claim(claim_request("w1"));
  BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
  const Lease& lease = claimed[0].lease;
  StepRecord e1 = some_step("0001", "E1"), e2 = some_step("0002", "E2"), n0 = some_step("0003", "N0");
  e2.output = {{"split", "upper/lower"}, {"days", {1, 3}}};
  n0.output_text = R"({"kcal":2100,"note":"ü 🍎"})";  // a worker's checkpoint brings text
  n0.output = nullptr;
  store->checkpoint(lease, e1, some_progress(1, "E1"), {}, {});
  store->checkpoint(lease, e2, some_progress(2, "E2"), {}, {});
  const StepCheckpoint last{n0, {}};  // held back for the completion, as on MySQL
  store->complete(lease,
                  JobResult::made_of_steps(R"({"training":{"E1":"0001","E2":"0002"},"nutrition":{"N0":"0003"}})"),
                  some_progress(3, "N0"), {}, "3 steps", &last);

  const nlohmann::json expected = {{"training", {{"E1", e1.output}, {"E2", e2.output}}},
                                   {"nutrition", {{"N0", {{"kcal", 2100}, {"note", "ü 🍎"}}}}}};
  BOOST_TEST(store->get(id)->result == expected);
  BOOST_TEST(store->get(id, {.input = false})->result == expected);
  const auto with_steps = store->get(id, {.steps = true});  // put together from the steps it read
  BOOST_TEST(with_steps->result == expected);
  BOOST_TEST(with_steps->steps.size() == 3u);
  BOOST_TEST(store->get_state(id)->result == expected);
  ListQuery with_result;
  with_result.with_result = true;
  BOOST_TEST(store->list(with_result).jobs.at(0).result == expected);
  BOOST_TEST(store->list({}).jobs.at(0).result.is_null());

  const auto rows =
      raw_connection(url)->query("SELECT result IS NULL, result_steps FROM agentry_jobs WHERE id = ?", {id});
  BOOST_TEST(rows.at(0).integer(0) == 1);
  BOOST_TEST(nlohmann::json::parse(rows.at(0).text(1))["nutrition"]["N0"] == "0003");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(complete_and_claim_hands_the_freed_slot_to_the_next_waiting_job, B, Backends) {
  auto store = open_store(B::fresh_url());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i, tick()) ids.push_back(store->create(new_job()).job.id);
  const auto claimed = store->claim(claim_request("w1", 2, 2));
  BOOST_REQUIRE_EQUAL(claimed.size(), 2u);

  const auto next =
      store->complete_and_claim(claimed[0].lease, JobResult::text(R"({"plan":"ok"})"), some_progress(9, "E9"), {},
                                "9 steps", nullptr, claim_request("w1", 1, 2));
  BOOST_REQUIRE_EQUAL(next.size(), 1u);
  BOOST_TEST(next[0].job.id == ids[2], "the first in the queue, not any waiting job");
  BOOST_TEST(next[0].lease.worker_id == "w1");
  BOOST_TEST(next[0].lease.attempt == 1);
  const auto done = store->get(claimed[0].job.id);
  BOOST_TEST(to_string(done->status) == "completed");
  BOOST_TEST(done->result == nlohmann::json({{"plan", "ok"}}));
  const auto started = store->get(ids[2]);
  BOOST_TEST(to_string(started->status) == "running");
  BOOST_TEST((started->started_at == done->completed_at), "it starts at the instant the other completed");
  BOOST_TEST((next[0].job.started_at == started->started_at));
  BOOST_TEST((next[0].job.lease_until == started->lease_until));
  BOOST_TEST(store->get(ids[3])->queue_position.value_or(-1) == 1);

  // A lost lease claims nothing: the next job keeps waiting.
  BOOST_CHECK_THROW(store->complete_and_claim(claimed[0].lease, JobResult::text("{}"), {}, {}, "", nullptr,
                                              claim_request("w1", 1, 2)),
                    LeaseLost);
  BOOST_TEST(to_string(store->get(ids[3])->status) == "queued");

  // A hand-over leaves a pending job pending (the claim loop's claims queue it).
  tick();
  const auto late = store->create(new_job()).job.id;
  const auto after =
      store->complete_and_claim(next[0].lease, JobResult::text("{}"), {}, {}, "", nullptr, claim_request("w1", 1, 2));
  BOOST_REQUIRE_EQUAL(after.size(), 1u);
  BOOST_TEST(after[0].job.id == ids[3]);
  BOOST_TEST(to_string(store->get(late)->status) == "pending");

  // Nor does a completion that leaves the cluster at a (lowered) limit.
  const auto none = store->complete_and_claim(claimed[1].lease, JobResult::text("{}"), {}, {}, "", nullptr,
                                              claim_request("w1", 1, 1));
  BOOST_TEST(none.empty());
  BOOST_TEST(to_string(store->get(claimed[1].job.id)->status) == "completed");
  BOOST_TEST(to_string(store->get(late)->status) == "pending");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(remove_deletes_only_finished_jobs_with_their_log, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const auto lease = store->claim(claim_request("w1")).at(0).lease;
  store->checkpoint(lease, some_step("0001", "E1"), some_progress(1, "E1"), {}, {});
  BOOST_TEST((store->remove(id) == DeleteResult::not_finished));
  store->complete(lease, {{"ok", true}}, some_progress(9, "E9"), {});
  BOOST_TEST((store->remove(id) == DeleteResult::deleted));
  BOOST_TEST(!store->get(id));
  BOOST_TEST(store->events_after(id, 0).empty());
  BOOST_TEST((store->remove(id) == DeleteResult::not_found));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(list_pages_newest_first_and_filters, B, Backends) {
  auto store = open_store(B::fresh_url());
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) {
    NewJob in = new_job(i % 3 == 0 ? "nutrition" : "training");
    in.owner = i < 5 ? "alice" : "bob";
    created.insert(store->create(in).job.id);
    if (i % 2 == 0) tick();  // the others share a millisecond: the id breaks the tie
  }
  ListQuery everything;
  everything.limit = 500;
  const auto one_page = store->list(everything);
  BOOST_TEST(one_page.next_cursor.empty());
  std::vector<std::string> reference;
  for (size_t i = 0; i < one_page.jobs.size(); ++i) {
    reference.push_back(one_page.jobs[i].id);
    if (i > 0) BOOST_TEST((one_page.jobs[i - 1].created_at >= one_page.jobs[i].created_at));
  }
  BOOST_TEST((std::set<std::string>(reference.begin(), reference.end()) == created));

  std::vector<std::string> paged;
  ListQuery q;
  q.limit = 3;
  for (int page = 0; page < 5; ++page) {
    const auto p = store->list(q);
    for (const auto& j : p.jobs) paged.push_back(j.id);
    if (p.next_cursor.empty()) break;
    BOOST_TEST(p.jobs.size() == 3u);
    q.cursor = p.next_cursor;
  }
  BOOST_TEST(paged == reference);  // no job twice, none skipped, same order

  ListQuery by_pipeline;
  by_pipeline.pipeline = "nutrition";
  BOOST_TEST(store->list(by_pipeline).jobs.size() == 3u);
  ListQuery by_owner;
  by_owner.owner = "bob";
  BOOST_TEST(store->list(by_owner).jobs.size() == 2u);

  const auto lease = store->claim(claim_request("w1")).at(0).lease;
  store->complete(lease, {{"big", "result"}}, {}, {});
  ListQuery completed;
  completed.status = JobStatus::completed;
  auto page = store->list(completed);
  BOOST_REQUIRE_EQUAL(page.jobs.size(), 1u);
  BOOST_TEST(page.jobs[0].id == lease.job_id);
  BOOST_TEST(page.jobs[0].result.is_null());  // not asked for
  completed.with_result = true;
  BOOST_TEST(store->list(completed).jobs.at(0).result == (nlohmann::json{{"big", "result"}}));

  ListQuery pending;
  pending.status = JobStatus::pending;
  page = store->list(pending);
  BOOST_TEST(page.jobs.size() == 6u);
  BOOST_TEST(page.jobs.back().queue_position.value_or(-1) == 1);  // the oldest is next

  ListQuery bad;
  bad.cursor = "not-a-cursor";
  BOOST_CHECK_THROW(store->list(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(events_are_numbered_without_gaps_for_sse_resume, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const auto lease = store->claim(claim_request("w1")).at(0).lease;
  store->log(lease, {Event{0, now_ms(), "a", "1"}, Event{0, now_ms(), "b", "2"}, Event{0, now_ms(), "c", "3"}});
  store->progress(lease, some_progress(1, "E1"), {}, {Event{0, now_ms(), "d", "4"}});
  store->log(lease, {Event{0, now_ms(), "e", "5"}});

  const auto all = store->events_after(id, 0);
  BOOST_REQUIRE_EQUAL(all.size(), 7u);
  for (size_t i = 0; i < all.size(); ++i) BOOST_TEST(all[i].seq == static_cast<int64_t>(i + 1));
  BOOST_TEST(all[2].event == "a");
  BOOST_TEST(all[4].event == "c");
  const auto tail = store->events_after(id, 4, 2);
  BOOST_REQUIRE_EQUAL(tail.size(), 2u);
  BOOST_TEST(tail[0].seq == 5);
  BOOST_TEST(tail[0].event == "c");

  // More events in one write than one MySQL insert statement carries.
  std::vector<Event> many;
  for (int i = 0; i < 19; ++i) many.push_back(Event{0, now_ms(), "many", std::to_string(i)});
  store->log(lease, many);
  const auto after = store->events_after(id, 7);
  BOOST_REQUIRE_EQUAL(after.size(), many.size());
  for (size_t i = 0; i < after.size(); ++i) {
    BOOST_TEST(after[i].seq == static_cast<int64_t>(8 + i));
    BOOST_TEST(after[i].details == std::to_string(i));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ttl_cleanup_deletes_only_jobs_finished_before_the_cutoff, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto finished = store->create(new_job()).job.id;
  const auto lease = store->claim(claim_request("w1")).at(0).lease;
  store->complete(lease, {{"ok", true}}, {}, {});
  const auto waiting = store->create(new_job()).job.id;

  BOOST_TEST(store->delete_finished_before(now_ms() - 1h) == 0);
  BOOST_TEST(store->delete_finished_before(now_ms() + 1h) == 1);
  BOOST_TEST(!store->get(finished));
  BOOST_TEST(store->get(waiting).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(count_by_status_counts_every_status, B, Backends) {
  auto store = open_store(B::fresh_url());
  for (int i = 0; i < 3; ++i) store->create(new_job());
  store->claim(claim_request("w1", 1, 1));
  const auto counts = store->count_by_status();
  BOOST_TEST(counts.at(JobStatus::running) == 1);
  BOOST_TEST(counts.at(JobStatus::queued) == 2);
  BOOST_TEST(counts.at(JobStatus::pending) == 0);
  BOOST_TEST(counts.at(JobStatus::completed) == 0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(jobs_survive_reopening_the_store, B, Backends) {
  const auto url = B::fresh_url();
  std::string id;
  Lease lease;
  {
    auto store = open_store(url);
    id = store->create(new_job()).job.id;
    lease = store->claim(claim_request("w1")).at(0).lease;
    store->checkpoint(lease, some_step("0001", "E1"), some_progress(1, "E1"), {}, {});
  }
  auto reopened = open_store(url);
  const auto job = reopened->get(id, {.steps = true});
  BOOST_REQUIRE(job);
  BOOST_TEST(to_string(job->status) == "running");
  BOOST_TEST(job->steps.size() == 1u);
  BOOST_TEST(reopened->find_step(lease, "0001").has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(values_the_columns_cannot_hold_are_refused_with_a_reason, B, Backends) {
  auto store = open_store(B::fresh_url());
  BOOST_CHECK_THROW(store->create(new_job("")), std::invalid_argument);
  BOOST_CHECK_THROW(store->create(new_job(std::string(129, 'p'))), std::invalid_argument);
  NewJob long_key = new_job();
  long_key.idempotency_key = std::string(256, 'k');
  BOOST_CHECK_THROW(store->create(long_key), std::invalid_argument);
  BOOST_CHECK_THROW(store->claim(claim_request("")), std::invalid_argument);
  BOOST_TEST(store->list({}).jobs.empty());
}

BOOST_AUTO_TEST_SUITE_END()
