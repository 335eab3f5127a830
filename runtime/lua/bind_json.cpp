// json.encode / json.decode / json.null.
#include <lua.hpp>

#include "runtime/lua/job_host.h"
#include "runtime/lua/lua_json.h"

namespace agentry::lua {

namespace {

int json_encode(lua_State* L) {
  std::string text;
  std::string error;
  try {
    text = to_json_text(L, 1, json::InvalidUtf8::fail);
  } catch (const std::exception& e) {
    error = std::string("json.encode: ") + e.what();
  }
  if (!error.empty()) return luaL_error(L, "%s", error.c_str());
  lua_pushlstring(L, text.data(), text.size());
  return 1;
}

int json_decode(lua_State* L) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  auto parsed = nlohmann::json::parse(s, s + len, nullptr, false);
  if (parsed.is_discarded()) return luaL_error(L, "json.decode: not valid JSON");
  bool too_deep = false;
  try {
    push_json(L, parsed);
  } catch (const std::exception&) {
    too_deep = true;
  }
  if (too_deep) return luaL_error(L, "json.decode: nesting too deep");
  return 1;
}

}  // namespace

void register_json_primitives(lua_State* L) {
  lua_pushcfunction(L, json_encode);
  lua_setfield(L, -2, "json_encode");
  lua_pushcfunction(L, json_decode);
  lua_setfield(L, -2, "json_decode");
  lua_pushlightuserdata(L, nullptr);
  lua_setfield(L, -2, "json_null");
  push_json_array_metatable(L);
  lua_setfield(L, -2, "array_metatable");
}

}  // namespace agentry::lua
