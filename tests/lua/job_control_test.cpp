// A job's control wakes an LLM call that waits on a socket: through a
// descriptor when the job is stopped, and by the recheck bound when its
// deadline comes.
#include <poll.h>

#include <boost/test/unit_test.hpp>

#include "runtime/lua/job_control.h"

namespace agentry::lua::test {

using namespace std::chrono_literals;

namespace {

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(job_control)

BOOST_AUTO_TEST_CASE(the_wake_descriptor_turns_readable_when_the_job_is_cancelled) {
  JobControl control;
  const int fd = control.wake_fd();
  BOOST_REQUIRE(fd >= 0);
  BOOST_TEST(!readable(fd));
  control.cancel();
  BOOST_TEST(readable(fd));
  BOOST_TEST(readable(fd), "and stays readable: a stop is for good");
  BOOST_TEST(control.wake_fd() == fd);
}

BOOST_AUTO_TEST_CASE(a_descriptor_asked_for_after_the_stop_is_readable_at_once) {
  JobControl control;
  control.lease_lost();
  BOOST_TEST(readable(control.wake_fd()));
}

BOOST_AUTO_TEST_CASE(the_recheck_bound_ends_at_the_job_deadline) {
  JobControl no_deadline;
  BOOST_TEST(no_deadline.recheck_within().count() == 1000);
  JobControl soon(std::chrono::steady_clock::now() + 300ms);
  const auto within = soon.recheck_within();
  BOOST_TEST(within.count() <= 300);
  BOOST_TEST(within.count() >= 250);
  JobControl passed(std::chrono::steady_clock::now() - 1s);
  BOOST_TEST(passed.recheck_within().count() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::lua::test
