// DESIGN.md's pitfall check: big, non-ASCII values (4-byte UTF-8 included)
// read back byte for byte from both backends.
#include <boost/test/unit_test.hpp>

#include "jobs/store_fixture.h"

using namespace agentry::jobs;
using namespace agentry::test;

namespace {

std::string text_of_size(size_t bytes) {
  const std::string chunk = "Приседания 5×5 — 深蹲 — 💪🏽 squats; ";
  std::string s;
  s.reserve(bytes + chunk.size());
  while (s.size() < bytes) s += chunk;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_large_values)

BOOST_AUTO_TEST_CASE_TEMPLATE(step_outputs_results_and_inputs_of_100_kib_and_5_mib_round_trip, B, Backends) {
  auto store = open_store(B::fresh_url());
  for (const size_t size : {size_t{100} * 1024, size_t{5} * 1024 * 1024}) {
    const std::string text = text_of_size(size);
    NewJob in = new_job();
    in.input = {{"notes", text}};
    const auto id = store->create(in).job.id;
    const auto claimed = store->claim(claim_request("w1", 1, 1));
    BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
    BOOST_TEST(claimed[0].job.input == in.input);
    const Lease lease = claimed[0].lease;

    StepRecord step;
    step.key = "0001";
    step.agent = "E1";
    step.output = {{"plan", text}, {"weeks", 12}};
    step.raw_reply = text;
    store->checkpoint(lease, step, {}, {}, {});
    const auto replay = store->find_step(lease, "0001");
    BOOST_REQUIRE(replay);
    BOOST_TEST((replay->output == step.output));
    BOOST_TEST((replay->raw_reply == text));

    const nlohmann::json result = {{"E1", step.output}};
    store->complete(lease, result, {}, {});
    const auto job = store->get(id, {.steps = true});
    BOOST_TEST((job->input == in.input));
    BOOST_TEST((job->result == result));
    BOOST_TEST((job->steps.at(0).output == step.output));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(invalid_utf8_from_a_script_is_replaced_not_fatal, B, Backends) {
  auto store = open_store(B::fresh_url());
  store->create(new_job());
  const auto lease = store->claim(claim_request("w1")).at(0).lease;
  StepRecord step;
  step.key = "0001";
  step.agent = "E1";
  step.output = {{"text", std::string("ok \xff\xfe bytes")}};
  store->checkpoint(lease, step, {}, {}, {});
  const auto replay = store->find_step(lease, "0001");
  BOOST_REQUIRE(replay);
  const std::string text = replay->output["text"];
  BOOST_TEST(text == "ok \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_huge_log_line_is_cut_at_64_kib_on_a_character_boundary, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const auto lease = store->claim(claim_request("w1")).at(0).lease;
  store->log(lease, {Event{0, now_ms(), "dump", text_of_size(300 * 1024)}});
  const auto details = store->events_after(id, 2).at(0).details;
  BOOST_TEST(details.size() < 65 * 1024u);
  BOOST_TEST(details.find("bytes cut]") != std::string::npos);
  BOOST_TEST(nlohmann::json(details).dump().size() > 0u);  // still valid UTF-8
}

BOOST_AUTO_TEST_CASE_TEMPLATE(overlong_names_are_cut_to_fit_their_columns, B, Backends) {
  auto store = open_store(B::fresh_url());
  const auto id = store->create(new_job()).job.id;
  const auto lease = store->claim(claim_request("w1")).at(0).lease;
  const std::string long_name(100, 'e');
  store->log(lease, {Event{0, now_ms(), long_name, "details"}});
  BOOST_TEST(store->events_after(id, 2).at(0).event == long_name.substr(0, 64));
  store->fail(lease, JobError{std::string(100, 'r'), "message"}, {}, {});
  BOOST_TEST(store->get(id)->error.value_or(JobError{}).reason == std::string(64, 'r'));
}

BOOST_AUTO_TEST_SUITE_END()
