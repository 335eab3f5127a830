// /healthz, /readyz, /metrics, CORS and the dashboard's static files.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "api_fixture.h"

using namespace agentry;
using agentry::testing::ApiFixture;
using agentry::testing::FixtureOptions;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(health_metrics)

BOOST_AUTO_TEST_CASE(healthz_and_readyz) {
  ApiFixture api;
  const auto health = api.request("GET", "/healthz");
  BOOST_TEST(health.status == 200);
  BOOST_TEST(health.body_json() == json({{"status", "ok"}}));

  const auto ready = api.request("GET", "/readyz");
  BOOST_TEST(ready.status == 200);
  BOOST_TEST(ready.body_json()["checks"]["store"] == "ok");
  BOOST_TEST(ready.body_json()["checks"]["scripts"] == "ok");

  api.accepting = false;
  const auto draining = api.request("GET", "/readyz");
  BOOST_TEST(draining.status == 503);
  BOOST_TEST(draining.error_code() == "not_ready");
  BOOST_TEST(draining.body_json()["checks"]["accepting"] != "ok");
}

BOOST_AUTO_TEST_CASE(readyz_fails_without_scripts) {
  agentry::testing::ScriptDir empty;
  empty.write("pipelines/broken.lua", "return pipeline {");
  FixtureOptions options;
  options.scripts = empty.path();
  ApiFixture api(options);
  const auto ready = api.request("GET", "/readyz");
  BOOST_TEST(ready.status == 503);
  BOOST_TEST(ready.error_message().find("scripts") != std::string::npos);
  const auto create = api.post("/api/v1/jobs", {{"pipeline", "training"}});
  BOOST_TEST(create.status == 503);
  BOOST_TEST(create.error_code() == "scripts_unavailable");
}

BOOST_AUTO_TEST_CASE(metrics_expose_the_named_families) {
  ApiFixture api;
  const auto id = api.create_job("training");
  api.create_job("training");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // so the queue's age is measurable
  BOOST_TEST(api.request("GET", "/api/v1/jobs/" + id).status == 200);
  api.metrics.observe_job_duration("training", "completed", 42.0);
  api.metrics.observe_step_duration("E1", 0.3);

  const auto r = api.request("GET", "/metrics");
  BOOST_TEST_REQUIRE(r.status == 200);
  BOOST_TEST(r.header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  const std::string& text = r.body;
  for (const char* line : {
           "agentry_jobs{status=\"pending\"} 2",
           "agentry_jobs{status=\"running\"} 0",
           "agentry_queue_depth 2",
           "agentry_store_up 1",
           "# TYPE agentry_job_duration_seconds histogram",
           "agentry_job_duration_seconds_bucket{pipeline=\"training\",status=\"completed\",le=\"60\"} 1",
           "agentry_job_duration_seconds_count{pipeline=\"training\",status=\"completed\"} 1",
           "agentry_step_duration_seconds_bucket{agent=\"E1\",le=\"0.5\"} 1",
           "agentry_http_requests_total{route=\"/api/v1/jobs/{id}\",method=\"GET\",code=\"200\"} 1",
           "agentry_http_requests_total{route=\"/api/v1/jobs\",method=\"POST\",code=\"202\"} 2",
           "agentry_sse_streams 0",
           "agentry_llm_",
       })
    BOOST_TEST(text.find(line) != std::string::npos, line);
  // No worker here: the first job has waited since it was created.
  const std::string age_name = "\nagentry_queue_oldest_age_seconds ";
  const auto age_at = text.find(age_name);
  BOOST_TEST_REQUIRE(age_at != std::string::npos);
  const double age = std::stod(text.substr(age_at + age_name.size()));
  BOOST_TEST(age >= 0.05);
  BOOST_TEST(age < 60);
}

BOOST_AUTO_TEST_CASE(cors_allows_configured_origins_and_answers_preflight) {
  FixtureOptions options;
  options.api.cors_origins = {"https://dash.example.com"};
  ApiFixture api(options);
  const auto preflight = api.request("OPTIONS", "/api/v1/jobs", "",
                                     {{"Origin", "https://dash.example.com"},
                                      {"Access-Control-Request-Method", "POST"},
                                      {"Access-Control-Request-Headers", "content-type, idempotency-key"}});
  BOOST_TEST(preflight.status == 204);
  BOOST_TEST(preflight.header("Access-Control-Allow-Origin") == "https://dash.example.com");
  BOOST_TEST(preflight.header("Access-Control-Allow-Methods").find("POST") != std::string::npos);
  for (const char* h : {"Content-Type", "Authorization", "Last-Event-ID", "Idempotency-Key"})
    BOOST_TEST(preflight.header("Access-Control-Allow-Headers").find(h) != std::string::npos, h);
  BOOST_TEST(preflight.header("Vary") == "Origin");

  const auto get = api.request("GET", "/api/v1/jobs", "", {{"Origin", "https://dash.example.com"}});
  BOOST_TEST(get.header("Access-Control-Allow-Origin") == "https://dash.example.com");
  BOOST_TEST(get.header("Access-Control-Expose-Headers").find("Location") != std::string::npos);
  const auto other = api.request("GET", "/api/v1/jobs", "", {{"Origin", "https://evil.example.com"}});
  BOOST_TEST(other.status == 200);
  BOOST_TEST(!other.response.has("Access-Control-Allow-Origin"));
  BOOST_TEST(api.request("OPTIONS", "/api/v1/nothing", "", {{"Origin", "https://dash.example.com"}}).status == 404);

  FixtureOptions any;
  any.api.cors_origins = {"*"};
  ApiFixture open(any);
  BOOST_TEST(open.request("GET", "/healthz", "", {{"Origin", "http://localhost:5173"}})
                 .header("Access-Control-Allow-Origin") == "*");
}

BOOST_AUTO_TEST_CASE(dashboard_files_are_served_from_web_root_only) {
  agentry::testing::ScriptDir web;  // any fresh temp folder will do
  web.write("index.html", "<!doctype html><title>agentry</title>");
  web.write("app.js", "console.log('hi')");
  web.write("css/site.css", "body{}");
  const std::string secret = web.path().filename().string() + "-secret.txt";
  std::ofstream(web.path().parent_path() / secret) << "secret";
  FixtureOptions options;
  options.api.web_root = web.path();
  ApiFixture api(options);

  const auto index = api.request("GET", "/");
  BOOST_TEST(index.status == 200);
  BOOST_TEST(index.header("Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(index.body.find("<title>agentry</title>") != std::string::npos);
  const auto js = api.request("GET", "/static/app.js");
  BOOST_TEST(js.status == 200);
  BOOST_TEST(js.header("Content-Type") == "text/javascript; charset=utf-8");
  BOOST_TEST(api.request("GET", "/static/css/site.css").header("Content-Type") == "text/css; charset=utf-8");
  for (const std::string& path : {"/static/../" + secret, "/static/%2e%2e/" + secret, "/static/..%2f" + secret,
                                  std::string("/static/missing.js"), std::string("/static/css")})
    BOOST_TEST(api.request("GET", path).status == 404, path);
  std::filesystem::remove(web.path().parent_path() / secret);

  ApiFixture without;
  BOOST_TEST(without.request("GET", "/").status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
