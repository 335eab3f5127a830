// Authentication and tenancy: every route against no token, a bad token,
// each role and another owner's client token; per-token creation rate
// limits; tokens never showing up in replies, logs or /metrics.
#include <boost/test/unit_test.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <set>

#include "api_fixture.h"
#include "server/http/auth.h"
#include "server/http/rate_limiter.h"

using namespace agentry;
using agentry::testing::ApiFixture;
using agentry::testing::FixtureOptions;
using agentry::testing::HeaderList;
using nlohmann::json;

namespace {

// The secrets; the server only ever sees their hashes.
const std::string kAlice = "alice-secret-token-1";    // client, owner acme
const std::string kBob = "bob-secret-token-2";        // client, owner other
const std::string kViewer = "viewer-secret-token-3";  // viewer
const std::string kAdmin = "admin-secret-token-4";    // admin
const std::string kBad = "not-a-configured-token";

json token_entry(const std::string& name, const std::string& owner, const std::string& role, const std::string& token,
                 int rate = 1000, int burst = 1000) {
  return {{"name", name},
          {"owner", owner},
          {"role", role},
          {"sha256", server::to_hex(server::sha256_of(token))},
          {"rate_per_minute", rate},
          {"burst", burst}};
}

FixtureOptions with_tokens(json extra = json::array()) {
  FixtureOptions options;
  json entries = {token_entry("alice", "acme", "client", kAlice), token_entry("bob", "other", "client", kBob),
                  token_entry("viewer", "ops", "viewer", kViewer), token_entry("admin", "ops", "admin", kAdmin)};
  for (auto& e : extra) entries.push_back(e);
  options.api.tokens = server::TokenSet::from_json(entries);
  options.api.web_root = std::filesystem::path(AGENTRY_SOURCE_DIR) / "server" / "web";
  return options;
}

HeaderList bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// The callers of the matrix, in column order.
enum Caller { none, bad, client_own, client_other, viewer, admin };
constexpr std::array<const char*, 6> kCallerNames = {"no token", "bad token", "client (owner)", "client (other owner)",
                                                     "viewer",   "admin"};

HeaderList headers_of(Caller caller) {
  switch (caller) {
    case none: return {};
    case bad: return bearer(kBad);
    case client_own: return bearer(kAlice);
    case client_other: return bearer(kBob);
    case viewer: return bearer(kViewer);
    case admin: return bearer(kAdmin);
  }
  return {};
}

// What a row needs before each call: nothing, a waiting job of acme's, or a
// finished one (delete takes only finished jobs).
enum class Needs { nothing, pending_job, finished_job };

struct Row {
  std::string method;
  std::string path;  // "{id}" is replaced by the job's id
  Needs needs;
  std::array<int, 6> expected;
};

const std::vector<Row> kMatrix = {
    {"GET", "/healthz", Needs::nothing, {200, 200, 200, 200, 200, 200}},
    {"GET", "/readyz", Needs::nothing, {200, 200, 200, 200, 200, 200}},
    {"GET", "/", Needs::nothing, {200, 200, 200, 200, 200, 200}},
    {"GET", "/static/app.js", Needs::nothing, {200, 200, 200, 200, 200, 200}},
    {"GET", "/metrics", Needs::nothing, {401, 401, 403, 403, 403, 200}},
    {"GET", "/api/v1/pipelines", Needs::nothing, {401, 401, 200, 200, 200, 200}},
    {"GET", "/api/v1/agents", Needs::nothing, {401, 401, 200, 200, 200, 200}},
    {"GET", "/api/v1/scripts", Needs::nothing, {401, 401, 200, 200, 200, 200}},
    {"POST", "/api/v1/scripts/reload", Needs::nothing, {401, 401, 403, 403, 403, 200}},
    {"POST", "/api/v1/jobs", Needs::nothing, {401, 401, 202, 202, 403, 202}},
    {"GET", "/api/v1/jobs", Needs::nothing, {401, 401, 200, 200, 200, 200}},
    {"GET", "/api/v1/jobs/{id}", Needs::pending_job, {401, 401, 200, 404, 200, 200}},
    {"GET", "/api/v1/jobs/{id}?input=1", Needs::pending_job, {401, 401, 200, 404, 200, 200}},
    {"GET", "/api/v1/jobs/{id}/events", Needs::pending_job, {401, 401, 200, 404, 200, 200}},
    {"POST", "/api/v1/jobs/{id}/cancel", Needs::pending_job, {401, 401, 200, 404, 403, 200}},
    {"DELETE", "/api/v1/jobs/{id}", Needs::finished_job, {401, 401, 403, 403, 403, 204}},
    // Unknown ids look the same to everyone allowed to ask.
    {"GET", "/api/v1/jobs/no-such-job", Needs::nothing, {401, 401, 404, 404, 404, 404}},
};

// A job of owner acme, created through the API with alice's token.
std::string acme_job(const ApiFixture& api, bool finished) {
  const auto r = api.post("/api/v1/jobs", {{"pipeline", "training"}, {"input", {{"client", "x"}}}}, bearer(kAlice));
  if (r.status != 202) throw std::runtime_error("create failed: " + r.body);
  const std::string id = r.body_json()["job_id"];
  if (finished) api.store->cancel(id);
  return id;
}

int call(const ApiFixture& api, const Row& row, Caller caller) {
  std::string path = row.path;
  if (const auto at = path.find("{id}"); at != std::string::npos)
    path.replace(at, 4, acme_job(api, row.needs == Needs::finished_job));
  if (path.size() > 7 && path.compare(path.size() - 7, 7, "/events") == 0) {
    // A stream of a waiting job stays open: only its status line matters.
    testing::SseClient stream(api.port(), path, headers_of(caller));
    const int status = stream.status();
    stream.close();
    return status;
  }
  const std::string body = row.path == "/api/v1/jobs" && row.method == "POST"
                               ? json{{"pipeline", "training"}, {"input", json::object()}}.dump()
                               : "";
  return api.request(row.method, path, body, headers_of(caller)).status;
}

std::set<std::string> ids_listed(const ApiFixture& api, const HeaderList& headers) {
  const auto r = api.request("GET", "/api/v1/jobs?limit=500", "", headers);
  BOOST_REQUIRE_EQUAL(r.status, 200);
  const json page = r.body_json();
  std::set<std::string> ids;
  for (const auto& j : page["jobs"]) ids.insert(j["id"].get<std::string>());
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(auth)

BOOST_AUTO_TEST_CASE(every_route_answers_each_caller_as_the_matrix_says) {
  ApiFixture api(with_tokens());
  for (const auto& row : kMatrix)
    for (int c = none; c <= admin; ++c) {
      const int got = call(api, row, static_cast<Caller>(c));
      BOOST_TEST(got == row.expected[static_cast<size_t>(c)],
                 row.method << " " << row.path << " as " << kCallerNames[static_cast<size_t>(c)] << ": got " << got
                            << ", want " << row.expected[static_cast<size_t>(c)]);
    }
}

BOOST_AUTO_TEST_CASE(refusals_say_why_in_the_error_shape) {
  ApiFixture api(with_tokens());
  const auto missing = api.request("GET", "/api/v1/jobs");
  BOOST_TEST(missing.status == 401);
  BOOST_TEST(missing.error_code() == "unauthorized");
  BOOST_TEST(missing.header("WWW-Authenticate").rfind("Bearer", 0) == 0);
  const auto wrong_scheme = api.request("GET", "/api/v1/jobs", "", {{"Authorization", "Basic abc"}});
  BOOST_TEST(wrong_scheme.status == 401);
  BOOST_TEST(wrong_scheme.error_message().find("Bearer") != std::string::npos);
  const auto forbidden = api.request("POST", "/api/v1/scripts/reload", "", bearer(kViewer));
  BOOST_TEST(forbidden.status == 403);
  BOOST_TEST(forbidden.error_code() == "forbidden");
  BOOST_TEST(forbidden.error_message().find("'viewer' has role viewer") != std::string::npos, forbidden.body);
}

BOOST_AUTO_TEST_CASE(jobs_belong_to_the_token_owner_and_clients_list_only_their_own) {
  ApiFixture api(with_tokens());
  std::set<std::string> acme, other;
  for (int i = 0; i < 3; ++i) acme.insert(acme_job(api, false));
  for (int i = 0; i < 2; ++i) {
    const auto r = api.post("/api/v1/jobs", {{"pipeline", "training"}}, bearer(kBob));
    BOOST_REQUIRE_EQUAL(r.status, 202);
    other.insert(r.body_json()["job_id"].get<std::string>());
  }
  const auto stored = api.store->get(*acme.begin());
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->owner == "acme");
  BOOST_TEST((ids_listed(api, bearer(kAlice)) == acme));
  BOOST_TEST((ids_listed(api, bearer(kBob)) == other));
  // Filtered in the query, not after the page: a page of 2 is all acme's.
  const auto page = api.request("GET", "/api/v1/jobs?limit=2", "", bearer(kAlice)).body_json();
  BOOST_TEST(page["jobs"].size() == 2u);
  BOOST_TEST(!page["next_cursor"].is_null());
  for (const auto& j : page["jobs"]) BOOST_TEST(acme.count(j["id"].get<std::string>()) == 1u);
  BOOST_TEST(ids_listed(api, bearer(kViewer)).size() == 5u);
  BOOST_TEST(ids_listed(api, bearer(kAdmin)).size() == 5u);
  // Idempotency keys are per owner: the same key makes two jobs for two owners.
  const json keyed = {{"pipeline", "training"}, {"idempotency_key", "k1"}};
  const auto a = api.post("/api/v1/jobs", keyed, bearer(kAlice));
  const auto b = api.post("/api/v1/jobs", keyed, bearer(kBob));
  BOOST_TEST(a.status == 202);
  BOOST_TEST(b.status == 202);
  BOOST_TEST(a.body_json()["job_id"] != b.body_json()["job_id"]);
}

BOOST_AUTO_TEST_CASE(a_finished_job_served_from_the_document_cache_is_still_owner_checked) {
  ApiFixture api(with_tokens());
  const auto id = acme_job(api, true);
  const auto path = "/api/v1/jobs/" + id;
  const auto first = api.request("GET", path, "", bearer(kAlice));
  BOOST_REQUIRE_EQUAL(first.status, 200);
  BOOST_TEST(first.body_json()["status"] == "cancelled");
  // The document is rendered once and kept; every later read is checked again.
  BOOST_TEST(api.request("GET", path, "", bearer(kBob)).status == 404);
  BOOST_TEST(api.request("GET", path, "", bearer(kBob)).error_code() == "not_found");
  BOOST_TEST(api.request("GET", path, "", bearer(kViewer)).body == first.body);
  BOOST_TEST(api.request("GET", path, "", bearer(kAlice)).body == first.body);
  BOOST_TEST(api.request("GET", path).status == 401);
}

BOOST_AUTO_TEST_CASE(the_event_stream_alone_takes_the_token_in_the_query) {
  ApiFixture api(with_tokens());
  const std::string id = acme_job(api, true);
  testing::SseClient stream(api.port(), "/api/v1/jobs/" + id + "/events?access_token=" + kAlice);
  BOOST_TEST(stream.status() == 200);
  const auto messages = stream.read_to_end();
  BOOST_REQUIRE(!messages.empty());
  BOOST_TEST(messages.back().event == "end");
  testing::SseClient other(api.port(), "/api/v1/jobs/" + id + "/events?access_token=" + kBob);
  BOOST_TEST(other.status() == 404);
  BOOST_TEST(api.request("GET", "/api/v1/jobs/" + id + "?access_token=" + kAlice).status == 401);
  BOOST_TEST(api.request("GET", "/api/v1/jobs?access_token=" + kAdmin).status == 401);
}

BOOST_AUTO_TEST_CASE(job_creation_is_rate_limited_per_token_with_retry_after) {
  ApiFixture api(with_tokens({token_entry("slow", "slowco", "client", "slow-token", 6, 2)}));
  const json body = {{"pipeline", "training"}};
  BOOST_TEST(api.post("/api/v1/jobs", body, bearer("slow-token")).status == 202);
  BOOST_TEST(api.post("/api/v1/jobs", body, bearer("slow-token")).status == 202);
  const auto limited = api.post("/api/v1/jobs", body, bearer("slow-token"));
  BOOST_TEST(limited.status == 429);
  BOOST_TEST(limited.error_code() == "rate_limited");
  const int retry_after = std::stoi(limited.header("Retry-After"));
  BOOST_TEST((retry_after >= 1 && retry_after <= 10), limited.header("Retry-After"));
  // Reads are not limited, nor are other tokens.
  BOOST_TEST(api.request("GET", "/api/v1/jobs", "", bearer("slow-token")).status == 200);
  BOOST_TEST(api.post("/api/v1/jobs", body, bearer(kAlice)).status == 202);
}

BOOST_AUTO_TEST_CASE(tokens_never_appear_in_replies_logs_or_metrics) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  spdlog::set_level(spdlog::level::debug);
  std::string replies;
  {
    ApiFixture api(with_tokens());
    const std::string id = acme_job(api, false);
    for (const auto* token : {&kAlice, &kBob, &kViewer, &kAdmin, &kBad}) {
      for (const std::string& path :
           std::vector<std::string>{"/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "?input=1&steps=1", "/api/v1/jobs",
                                    "/metrics", "/api/v1/scripts", "/api/v1/jobs/" + id + "?access_token=" + *token})
        replies += api.request("GET", path, "", bearer(*token)).body;
      replies += api.post("/api/v1/jobs", {{"pipeline", "nope"}}, bearer(*token)).body;
      replies += api.request("GET", "/api/v1/jobs/%zz?access_token=" + *token).body;
    }
    testing::SseClient stream(api.port(), "/api/v1/jobs/" + id + "/events?access_token=" + kAlice);
    stream.close();
    replies += api.request("GET", "/metrics", "", bearer(kAdmin)).body;
    BOOST_TEST(replies.find("\"id\":\"" + id) != std::string::npos);  // the replies did carry data
  }
  spdlog::set_default_logger(previous);
  BOOST_TEST(log.str().find("http GET") != std::string::npos);  // the log did capture requests
  for (const auto* token : {&kAlice, &kBob, &kViewer, &kAdmin, &kBad}) {
    BOOST_TEST(replies.find(*token) == std::string::npos, "a reply contains " << *token);
    BOOST_TEST(log.str().find(*token) == std::string::npos, "the log contains " << *token);
  }
}

BOOST_AUTO_TEST_CASE(without_tokens_everyone_is_the_anonymous_admin) {
  ApiFixture api;
  const std::string id = api.create_job("training");
  BOOST_TEST(api.store->get(id)->owner == "");
  BOOST_TEST(api.request("GET", "/metrics").status == 200);
  BOOST_TEST(api.request("GET", "/api/v1/jobs/" + id, "", bearer(kBad)).status == 200);
}

BOOST_AUTO_TEST_CASE(tokens_file_entries_are_checked) {
  const auto hash = server::to_hex(server::sha256_of("t"));
  auto refused = [](const json& entries, const std::string& says) {
    try {
      server::TokenSet::from_json(entries);
      BOOST_ERROR("accepted " << entries.dump());
    } catch (const std::invalid_argument& e) {
      BOOST_TEST(std::string(e.what()).find(says) != std::string::npos, e.what());
    }
  };
  refused(json::object(), "JSON array");
  refused({{{"name", "a"}, {"owner", "o"}, {"role", "root"}, {"sha256", hash}}},
          "role must be client, viewer or admin");
  refused({{{"name", "a"}, {"owner", "o"}, {"role", "admin"}, {"sha256", "abc"}}}, "64 hex digits");
  refused({{{"name", "a"}, {"role", "admin"}, {"sha256", hash}}}, "\"owner\"");
  refused({{{"name", "a"}, {"owner", "o"}, {"role", "admin"}, {"sha256", hash}, {"token", "t"}}}, "unknown field");
  refused({{{"name", "a"}, {"owner", "o"}, {"role", "admin"}, {"sha256", hash}},
           {{"name", "a"}, {"owner", "o"}, {"role", "admin"}, {"sha256", server::to_hex(server::sha256_of("u"))}}},
          "used twice");
  refused({{{"name", "a"}, {"owner", "o"}, {"role", "admin"}, {"sha256", hash}},
           {{"name", "b"}, {"owner", "o"}, {"role", "admin"}, {"sha256", hash}}},
          "hash is configured twice");
  const auto set = server::TokenSet::from_json({{{"name", "a"}, {"owner", "o"}, {"role", "viewer"}, {"sha256", hash}}});
  BOOST_TEST(set.authenticate("t").has_value());
  BOOST_TEST((set.authenticate("t")->role == server::Role::viewer));
  BOOST_TEST(!set.authenticate("T").has_value());
  BOOST_TEST(!set.authenticate("").has_value());
  BOOST_TEST(server::to_hex(server::sha256_of("abc")) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(server::bearer_token("bearer  x ").value_or("") == "x");
  BOOST_TEST(!server::bearer_token("Bearer ").has_value());
  BOOST_TEST(!server::bearer_token("Basic x").has_value());
}

BOOST_AUTO_TEST_CASE(rate_limiter_refills_at_its_rate) {
  server::RateLimiter limiter;
  const auto t0 = server::RateLimiter::Clock::now();
  BOOST_TEST(!limiter.take("k", 60, 2, t0));
  BOOST_TEST(!limiter.take("k", 60, 2, t0));
  const auto wait = limiter.take("k", 60, 2, t0);
  BOOST_REQUIRE(wait.has_value());
  BOOST_TEST(wait->count() == 1);
  BOOST_TEST(!limiter.take("other", 60, 2, t0));
  BOOST_TEST(!limiter.take("k", 60, 2, t0 + std::chrono::milliseconds(1000)));
  BOOST_TEST(limiter.take("k", 60, 2, t0 + std::chrono::milliseconds(1000)).has_value());
  BOOST_TEST(!limiter.take("k", 0, 0, t0));  // 0: unlimited
}

BOOST_AUTO_TEST_SUITE_END()
