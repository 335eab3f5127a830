#include "runtime/lua/lua_json.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <lua.hpp>

namespace agentry::lua {

namespace {
const char kArrayMetatable[] = "agentry.json.array";

void to_json_impl(lua_State* L, int index, int depth, int max_depth, nlohmann::json& out) {
  switch (lua_type(L, index)) {
    case LUA_TNIL: out = nullptr; return;
    case LUA_TBOOLEAN: out = lua_toboolean(L, index) != 0; return;
    case LUA_TNUMBER: {
      const double d = lua_tonumber(L, index);
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15)
        out = static_cast<int64_t>(d);
      else if (std::isfinite(d))
        out = d;
      else
        throw std::runtime_error("cannot encode a non-finite number as JSON");
      return;
    }
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      out = std::string(s, len);
      return;
    }
    case LUA_TTABLE: break;
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, index) == nullptr) {  // json.null
        out = nullptr;
        return;
      }
      [[fallthrough]];
    default: throw std::runtime_error(std::string("cannot encode a ") + luaL_typename(L, index) + " as JSON");
  }
  if (depth >= max_depth) throw std::runtime_error("JSON nesting deeper than " + std::to_string(max_depth));
  if (index < 0) index = lua_gettop(L) + index + 1;
  luaL_checkstack(L, 4, "json");

  bool marked_array = false;
  if (lua_getmetatable(L, index)) {
    luaL_getmetatable(L, kArrayMetatable);
    marked_array = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
  }
  const size_t n = lua_objlen(L, index);
  // An array when every key is 1..n; count keys to be sure there are no others.
  size_t keys = 0;
  bool only_integer_keys = true;
  lua_pushnil(L);
  while (lua_next(L, index)) {
    ++keys;
    if (lua_type(L, -2) != LUA_TNUMBER) only_integer_keys = false;
    lua_pop(L, 1);
  }
  if (marked_array || (n > 0 && keys == n && only_integer_keys)) {
    out = nlohmann::json::array();
    for (size_t i = 1; i <= n; ++i) {
      lua_rawgeti(L, index, static_cast<int>(i));
      nlohmann::json item;
      to_json_impl(L, -1, depth + 1, max_depth, item);
      out.push_back(std::move(item));
      lua_pop(L, 1);
    }
    return;
  }
  out = nlohmann::json::object();
  lua_pushnil(L);
  while (lua_next(L, index)) {
    std::string key;
    if (lua_type(L, -2) == LUA_TSTRING) {
      size_t len = 0;
      const char* k = lua_tolstring(L, -2, &len);
      key.assign(k, len);
    } else if (lua_type(L, -2) == LUA_TNUMBER) {
      lua_pushvalue(L, -2);  // tostring on a copy: lua_next needs the original key
      key = lua_tostring(L, -1);
      lua_pop(L, 1);
    } else {
      throw std::runtime_error(std::string("cannot encode a table key of type ") + luaL_typename(L, -2));
    }
    nlohmann::json value;
    to_json_impl(L, -1, depth + 1, max_depth, value);
    out[key] = std::move(value);
    lua_pop(L, 1);
  }
}
}  // namespace

void register_json_array_metatable(lua_State* L) {
  luaL_newmetatable(L, kArrayMetatable);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

void push_json_array_metatable(lua_State* L) { luaL_getmetatable(L, kArrayMetatable); }

void push_json(lua_State* L, const nlohmann::json& value) {
  luaL_checkstack(L, 3, "json");
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded: lua_pushnil(L); return;
    case nlohmann::json::value_t::boolean: lua_pushboolean(L, value.get<bool>()); return;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: lua_pushnumber(L, value.get<double>()); return;
    case nlohmann::json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case nlohmann::json::value_t::binary: lua_pushnil(L); return;
    case nlohmann::json::value_t::array: {
      lua_createtable(L, static_cast<int>(value.size()), 0);
      int i = 1;
      for (const auto& item : value) {
        push_json(L, item);
        lua_rawseti(L, -2, i++);
      }
      push_json_array_metatable(L);
      lua_setmetatable(L, -2);
      return;
    }
    case nlohmann::json::value_t::object: {
      lua_createtable(L, 0, static_cast<int>(value.size()));
      for (const auto& [k, v] : value.items()) {
        lua_pushlstring(L, k.data(), k.size());
        push_json(L, v);
        lua_rawset(L, -3);
      }
      return;
    }
  }
}

nlohmann::json to_json(lua_State* L, int index, int max_depth) {
  nlohmann::json out;
  to_json_impl(L, index, 0, max_depth, out);
  return out;
}

}  // namespace agentry::lua
