// JSON text written without nlohmann's serializer (runtime/json/json_writer.h,
// lua::to_json_text) is byte for byte what dump() writes, errors included.
#include <boost/test/unit_test.hpp>

#include <lua.hpp>

#include <memory>
#include <random>

#include "runtime/json/json_writer.h"
#include "runtime/lua/lua_json.h"

namespace agentry::test {
namespace {

using json::InvalidUtf8;
using nlohmann::json;

nlohmann::json::error_handler_t handler(InvalidUtf8 invalid) {
  return invalid == InvalidUtf8::fail ? json::error_handler_t::strict : json::error_handler_t::replace;
}

// nlohmann's text, or "throws" when dump() throws.
std::string dumped(const json& value, InvalidUtf8 invalid) {
  try {
    return value.dump(-1, ' ', false, handler(invalid));
  } catch (const json::type_error&) {
    return "throws";
  }
}

std::string written(const json& value, InvalidUtf8 invalid) {
  try {
    return agentry::json::text(value, invalid);
  } catch (const json::type_error&) {
    return "throws";
  }
}

struct LuaState {
  std::unique_ptr<lua_State, decltype(&lua_close)> state{luaL_newstate(), &lua_close};
  LuaState() {
    luaL_openlibs(L());
    lua::register_json_array_metatable(L());
  }
  lua_State* L() const { return state.get(); }
  // Leaves the value of `expression` on the stack.
  void eval(const std::string& expression) {
    BOOST_REQUIRE_MESSAGE(luaL_dostring(L(), ("return " + expression).c_str()) == 0, lua_tostring(L(), -1));
  }
};

std::string from_lua(LuaState& lua, InvalidUtf8 invalid) {
  try {
    return lua::to_json_text(lua.L(), -1, invalid);
  } catch (const std::exception& e) {
    return std::string("throws: ") + e.what();
  }
}

std::string via_tree(LuaState& lua, InvalidUtf8 invalid) {
  try {
    return lua::to_json(lua.L(), -1).dump(-1, ' ', false, handler(invalid));
  } catch (const std::exception& e) {
    return std::string("throws: ") + e.what();
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_text)

BOOST_AUTO_TEST_CASE(values_are_written_as_nlohmann_dumps_them) {
  const std::vector<json> values = {
      nullptr,
      true,
      false,
      0,
      -1,
      42,
      INT64_MIN,
      INT64_MAX,
      UINT64_MAX,
      0.1,
      -0.0,
      1e300,
      2.5e-8,
      3.0,
      "",
      "plain",
      "quote \" backslash \\ slash /",
      "\b\f\n\r\t",
      std::string("nul \0 byte", 10),
      "\x01\x1f\x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf",
      json::array(),
      json::object(),
      json::array({1, "two", nullptr, json::array({json::object()})}),
      json{{"b", 1}, {"a", {{"z", "\"x\""}, {"y", json::array({1.5, false})}}}, {"", "empty key"}},
      json{{"k\xc3\xa9y\n", "v"}}};
  for (const auto invalid : {InvalidUtf8::fail, InvalidUtf8::replace})
    for (const auto& v : values) BOOST_TEST(written(v, invalid) == dumped(v, invalid));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_fails_or_is_replaced_exactly_as_nlohmann_does) {
  const std::vector<std::string> strings = {"\x80",
                                            "a\xc0\x80z",
                                            "\xc1\xbf",
                                            "\xc3",
                                            "\xe2\x82",
                                            "\xed\xa0\x80",
                                            "\xe0\x80\xaf",
                                            "\xf0\x8f\xbf\xbf",
                                            "\xf4\x90\x80\x80",
                                            "\xf5\x80\x80\x80",
                                            "ok \xff then \"q\"",
                                            "\xc3\xa9\xc3"};
  for (const auto& s : strings) {
    BOOST_TEST(written(json(s), InvalidUtf8::fail) == "throws");
    BOOST_TEST(written(json(s), InvalidUtf8::replace) == dumped(json(s), InvalidUtf8::replace));
    BOOST_TEST(written(json{{"k", json::array({s})}}, InvalidUtf8::replace) ==
               dumped(json{{"k", json::array({s})}}, InvalidUtf8::replace));
  }
}

BOOST_AUTO_TEST_CASE(random_byte_strings_match_nlohmann_in_both_modes) {
  // Biased towards the bytes that matter: escapes, lead and continuation bytes.
  const std::string alphabet = std::string("aZ \"\\/\n\t\x01\x1f\x7f", 11) +
                               "\xc2\xc3\xdf\xe0\xe2\xed\xef\xf0\xf4\xf5\xff" + "\x80\x82\x8f\x90\x9f\xa0\xa9\xbf";
  std::mt19937 rng(20261124);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1), length(0, 40);
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    // Mostly plain letters, so runs of 8 clean bytes occur next to the rest.
    std::string s;
    for (size_t n = length(rng); n > 0; --n) s += rng() % 3 ? 'p' : alphabet[pick(rng)];
    for (const auto invalid : {InvalidUtf8::fail, InvalidUtf8::replace}) {
      const auto expected = dumped(json(s), invalid);
      const auto got = written(json(s), invalid);
      if (got != expected) BOOST_FAIL("mismatch for " + json(s).dump(-1, ' ', true, json::error_handler_t::replace));
      ++checked;
    }
  }
  BOOST_TEST(checked == 40000);
}

BOOST_AUTO_TEST_CASE(lua_values_are_written_as_their_nlohmann_tree_dumps) {
  const std::vector<std::string> expressions = {
      "{}",
      "{ 1, 2, 3 }",
      "{ b = 1, a = { 'x', 'y' }, c = { d = true, e = 0.5 } }",
      "{ [1] = 'one', ['1'] = 'string one' }",
      "{ ['1'] = 'string one', [1] = 'one' }",
      "{ [1] = 'a', [3] = 'c' }",
      "{ [2.5] = 'half', [10] = 'ten', x = -3 }",
      "{ n = 9007199254740993, m = 9007199254740992, f = 1e300, g = -0.0, h = 2^53 - 1 }",
      "{ s = 'caf\\195\\169 \"quoted\" \\n', bad = 'x\\255y' }",
      "{ { {} }, { k = { 1, { 2 } } } }",
      "'just a string'",
      "12",
      "{ f = function() end }",
      "{ inf = math.huge }",
      "{ [true] = 1 }",
  };
  for (const auto invalid : {InvalidUtf8::fail, InvalidUtf8::replace}) {
    for (const auto& e : expressions) {
      LuaState lua;
      lua.eval(e);
      const auto expected = via_tree(lua, invalid);
      lua_settop(lua.L(), 1);  // an error leaves the walk's values behind
      const auto text = from_lua(lua, invalid);
      BOOST_TEST(text == expected, e << ": " << text << " vs " << expected);
      if (text.rfind("throws", 0) != 0) BOOST_TEST(lua_gettop(lua.L()) == 1, "the stack is left as it was: " << e);
    }
  }
}

BOOST_AUTO_TEST_CASE(lua_arrays_marked_empty_stay_arrays_and_deep_nesting_is_refused) {
  LuaState lua;
  lua::push_json(lua.L(), json{{"items", json::array()}, {"name", "n"}});
  BOOST_TEST(lua::to_json_text(lua.L(), -1, InvalidUtf8::fail) == R"({"items":[],"name":"n"})");
  lua.eval("(function() local t = {} for i = 1, 80 do t = { t } end return t end)()");
  BOOST_TEST(from_lua(lua, InvalidUtf8::fail) == "throws: JSON nesting deeper than 64");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace agentry::test
