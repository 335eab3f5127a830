// Backoff delays and Retry-After parsing.
#include <boost/test/unit_test.hpp>

#include "runtime/llm/retry_policy.h"

namespace agentry::llm::test {

using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(default_policy_is_two_retries_around_10_and_30_seconds) {
  const RetryPolicy policy;
  BOOST_TEST(policy.max_retries == 2);
  std::mt19937_64 rng(42);
  double sum1 = 0, sum2 = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    const auto d1 = backoff_delay(policy, 1, rng);
    const auto d2 = backoff_delay(policy, 2, rng);
    BOOST_REQUIRE(d1.count() >= 0);
    BOOST_REQUIRE(d1.count() <= 20'000);
    BOOST_REQUIRE(d2.count() <= 60'000);
    sum1 += static_cast<double>(d1.count());
    sum2 += static_cast<double>(d2.count());
  }
  // Full jitter: spread over [0, 2x], averaging the nominal 10 s and 30 s.
  BOOST_TEST(sum1 / n / 1000 == 10.0, boost::test_tools::tolerance(0.05));
  BOOST_TEST(sum2 / n / 1000 == 30.0, boost::test_tools::tolerance(0.05));
}

BOOST_AUTO_TEST_CASE(delays_are_capped) {
  RetryPolicy policy;
  policy.max_delay_seconds = 5;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100; ++i) BOOST_TEST(backoff_delay(policy, 6, rng).count() <= 5000);
}

BOOST_AUTO_TEST_CASE(retry_after_in_seconds) {
  BOOST_TEST(parse_retry_after("7")->count() == 7000);
  BOOST_TEST(parse_retry_after(" 1.5 ")->count() == 1500);
  BOOST_TEST(parse_retry_after("0")->count() == 0);
}

BOOST_AUTO_TEST_CASE(retry_after_as_http_date) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  BOOST_TEST(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now)->count() == 30'000);
  BOOST_TEST(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now)->count() == 0, "a past date means now");
}

BOOST_AUTO_TEST_CASE(garbage_retry_after_is_ignored) {
  BOOST_TEST(!parse_retry_after(""));
  BOOST_TEST(!parse_retry_after("soon"));
  BOOST_TEST(!parse_retry_after("-3"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
