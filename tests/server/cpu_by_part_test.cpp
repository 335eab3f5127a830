// agentry_cpu_seconds_total: CPU time charged to the innermost scope (store,
// llm, api) and the rest to the engine, as /metrics shows it.
#include <boost/test/unit_test.hpp>

#include <time.h>

#include <regex>

#include "api_fixture.h"
#include "runtime/metrics/cpu_by_part.h"

using namespace agentry;
using agentry::metrics::CpuPart;
using agentry::metrics::CpuScope;

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Burns `seconds` of this thread's CPU.
void spin(double seconds) {
  const double until = thread_cpu_seconds() + seconds;
  volatile uint64_t sink = 0;
  while (thread_cpu_seconds() < until) sink = sink + 1;
}

double part_in(const std::string& metrics_text, const std::string& part) {
  std::smatch m;
  const std::regex line("agentry_cpu_seconds_total\\{part=\"" + part + "\"\\} ([0-9.e+-]+)");
  BOOST_REQUIRE_MESSAGE(std::regex_search(metrics_text, m, line), "no line for part " << part);
  return std::stod(m[1]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cpu_by_part)

BOOST_AUTO_TEST_CASE(the_innermost_scope_is_charged) {
  const double store0 = metrics::cpu_seconds(CpuPart::store), api0 = metrics::cpu_seconds(CpuPart::api);
  {
    CpuScope api(CpuPart::api);
    spin(0.02);
    {
      CpuScope store(CpuPart::store);
      spin(0.05);
    }
    spin(0.02);
  }
  spin(0.03);  // outside every scope: the engine's
  const double store = metrics::cpu_seconds(CpuPart::store) - store0;
  const double api = metrics::cpu_seconds(CpuPart::api) - api0;
  BOOST_TEST(store >= 0.05);
  BOOST_TEST(store < 0.065);  // not the api scope's time around it
  BOOST_TEST(api >= 0.04);
  BOOST_TEST(api < 0.065);  // neither the store's time inside it nor the spin after it
}

BOOST_AUTO_TEST_CASE(metrics_show_every_part_and_requests_count_as_api_and_store) {
  testing::ApiFixture api;
  const auto before = api.request("GET", "/metrics");
  BOOST_TEST_REQUIRE(before.status == 200);
  for (int i = 0; i < 20; ++i) api.create_job("training");
  const auto after = api.request("GET", "/metrics");
  for (const char* part : {"store", "llm", "api", "engine"}) BOOST_TEST(part_in(after.body, part) >= 0);
  BOOST_TEST(part_in(after.body, "store") > part_in(before.body, "store"));
  BOOST_TEST(part_in(after.body, "api") > part_in(before.body, "api"));
}

BOOST_AUTO_TEST_SUITE_END()
