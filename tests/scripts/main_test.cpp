#define BOOST_TEST_MODULE scripts
#include <boost/test/unit_test.hpp>
