// Reading a model's reply as a JSON object.
#include <boost/test/unit_test.hpp>

#include "runtime/llm/json_reply.h"

namespace agentry::llm::test {

BOOST_AUTO_TEST_SUITE(json_reply)

BOOST_AUTO_TEST_CASE(plain_fenced_and_wrapped_objects_parse) {
  std::string error;
  BOOST_TEST(parse_json_reply(R"({"a": 1})", error)["a"] == 1);
  BOOST_TEST(parse_json_reply("```json\n{\"a\": 2}\n```", error)["a"] == 2);
  BOOST_TEST(parse_json_reply("Sure! Here you go: {\"a\": 3} Hope it helps.", error)["a"] == 3);
}

BOOST_AUTO_TEST_CASE(non_objects_are_rejected_with_a_reason) {
  std::string error;
  BOOST_TEST(parse_json_reply("no json here", error).is_null());
  BOOST_TEST(error == "the reply contains no JSON object");
  BOOST_TEST(parse_json_reply("{not: valid}", error).is_null());
  BOOST_TEST(error == "the reply is not a valid JSON object");
}

BOOST_AUTO_TEST_CASE(missing_fields_and_reask_message) {
  BOOST_TEST(missing_fields({{"a", 1}}, {"a", "b", "c"}) == "b, c");
  BOOST_TEST(missing_fields({{"a", 1}}, {"a"}) == "");
  BOOST_TEST(reask_message("the reply contains no JSON object", {"a", "b"}) ==
             "Your reply could not be used: the reply contains no JSON object. Reply with one JSON object only, "
             "with the fields: a, b.");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::llm::test
