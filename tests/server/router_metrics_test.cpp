// The parts of the server that need no socket: route matching, the metrics
// registry's exposition, request ids and SSE message framing.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "server/http/metrics.h"
#include "server/http/request_handler.h"
#include "server/http/router.h"
#include "server/http/sse_hub.h"

using namespace agentry::server;

BOOST_AUTO_TEST_SUITE(router_metrics)

BOOST_AUTO_TEST_CASE(router_matches_patterns_and_lists_allowed_methods) {
  Router router;
  router.add("GET", "/api/v1/jobs/{id}", Access::read, [](ApiRequest&) { return Reply::empty(200); });
  router.add("DELETE", "/api/v1/jobs/{id}", Access::admin, [](ApiRequest&) { return Reply::empty(204); });
  router.add("GET", "/static/{file*}", Access::open, [](ApiRequest&) { return Reply::empty(200); });

  auto m = router.match("GET", "/api/v1/jobs/abc/");
  BOOST_TEST(m.handler != nullptr);
  BOOST_TEST(m.route == "/api/v1/jobs/{id}");
  BOOST_TEST(m.params["id"] == "abc");

  m = router.match("POST", "/api/v1/jobs/abc");
  BOOST_TEST(m.handler == nullptr);
  BOOST_TEST(m.route == "/api/v1/jobs/{id}");
  const std::vector<std::string> allowed = {"GET", "DELETE"};
  BOOST_TEST(m.allowed == allowed, boost::test_tools::per_element());

  m = router.match("GET", "/static/css/site.css");
  BOOST_TEST(m.params["file"] == "css/site.css");
  BOOST_TEST(router.match("GET", "/static").allowed.empty());
  BOOST_TEST(router.match("GET", "/api/v1/jobs/abc/cancel").route.empty());
}

BOOST_AUTO_TEST_CASE(histograms_are_cumulative_and_labels_escaped) {
  Metrics metrics;
  metrics.observe_step_duration("E\"1", 0.2);
  metrics.observe_step_duration("E\"1", 7);
  metrics.observe_step_duration("E\"1", 1000);
  metrics.count_http_request("/healthz", "GET", 200);
  std::ostringstream out;
  metrics.write_prometheus(out);
  const std::string text = out.str();
  for (const char* line : {"agentry_step_duration_seconds_bucket{agent=\"E\\\"1\",le=\"0.1\"} 0\n",
                           "agentry_step_duration_seconds_bucket{agent=\"E\\\"1\",le=\"0.25\"} 1\n",
                           "agentry_step_duration_seconds_bucket{agent=\"E\\\"1\",le=\"10\"} 2\n",
                           "agentry_step_duration_seconds_bucket{agent=\"E\\\"1\",le=\"300\"} 2\n",
                           "agentry_step_duration_seconds_bucket{agent=\"E\\\"1\",le=\"+Inf\"} 3\n",
                           "agentry_step_duration_seconds_sum{agent=\"E\\\"1\"} 1007.2\n",
                           "agentry_step_duration_seconds_count{agent=\"E\\\"1\"} 3\n",
                           "agentry_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} 1\n"})
    BOOST_TEST(text.find(line) != std::string::npos, line);
  BOOST_TEST(format_number(0.25) == "0.25");
  BOOST_TEST(escape_label("a\\b\nc") == "a\\\\b\\nc");
}

BOOST_AUTO_TEST_CASE(request_ids_and_sse_framing) {
  BOOST_TEST(request_id_for("abc-1.2:3_4") == "abc-1.2:3_4");
  BOOST_TEST(request_id_for("").size() == 16u);
  BOOST_TEST(request_id_for(std::string(65, 'a')).size() == 16u);
  BOOST_TEST(request_id_for("a\r\nSet-Cookie: x").size() == 16u);
  BOOST_TEST(sse_message("7", "agent\ncompleted", "{}") == "id: 7\nevent: agent completed\ndata: {}\n\n");
  BOOST_TEST(sse_message("", "end", "{}") == "event: end\ndata: {}\n\n");
}

BOOST_AUTO_TEST_SUITE_END()
