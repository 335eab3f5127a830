#include "runtime/lua/lua_json.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <lua.hpp>

namespace agentry::lua {

namespace {
const char kArrayMetatable[] = "agentry.json.array";

// A Lua number as JSON: integral values within 2^53 as integers.
nlohmann::json number_json(lua_State* L, int index) {
  const double d = lua_tonumber(L, index);
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) return static_cast<int64_t>(d);
  if (std::isfinite(d)) return d;
  throw std::runtime_error("cannot encode a non-finite number as JSON");
}

// Whether the table at (absolute) `index` encodes as an array: marked as one,
// or keys exactly 1..n.
bool is_array(lua_State* L, int index) {
  if (lua_getmetatable(L, index)) {
    luaL_getmetatable(L, kArrayMetatable);
    const bool marked_array = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (marked_array) return true;
  }
  const size_t n = lua_objlen(L, index);
  if (n == 0) return false;
  // Count keys to be sure there are no others; the first key that is not a
  // number settles it (an object's walk usually ends at its first key).
  size_t keys = 0;
  lua_pushnil(L);
  while (lua_next(L, index)) {
    if (lua_type(L, -2) != LUA_TNUMBER) {
      lua_pop(L, 2);
      return false;
    }
    ++keys;
    lua_pop(L, 1);
  }
  return keys == n;
}

// The key at -2 (during lua_next) as an object key.
std::string key_text(lua_State* L) {
  if (lua_type(L, -2) == LUA_TSTRING) {
    size_t len = 0;
    const char* k = lua_tolstring(L, -2, &len);
    return std::string(k, len);
  }
  if (lua_type(L, -2) == LUA_TNUMBER) {
    lua_pushvalue(L, -2);  // tostring on a copy: lua_next needs the original key
    std::string key = lua_tostring(L, -1);
    lua_pop(L, 1);
    return key;
  }
  throw std::runtime_error(std::string("cannot encode a table key of type ") + luaL_typename(L, -2));
}

// The one value besides scalars and tables that JSON takes: json.null (a
// light userdata holding NULL). Throws for anything else.
void require_json_null(lua_State* L, int index) {
  if (lua_type(L, index) != LUA_TLIGHTUSERDATA || lua_touserdata(L, index) != nullptr)
    throw std::runtime_error(std::string("cannot encode a ") + luaL_typename(L, index) + " as JSON");
}

// Checks the nesting depth and stack room before a table is walked; returns
// its absolute index.
int enter_table(lua_State* L, int index, int depth, int max_depth) {
  if (depth >= max_depth) throw std::runtime_error("JSON nesting deeper than " + std::to_string(max_depth));
  luaL_checkstack(L, 4, "json");
  return index < 0 ? lua_gettop(L) + index + 1 : index;
}

void to_json_impl(lua_State* L, int index, int depth, int max_depth, nlohmann::json& out) {
  switch (lua_type(L, index)) {
    case LUA_TNIL: out = nullptr; return;
    case LUA_TBOOLEAN: out = lua_toboolean(L, index) != 0; return;
    case LUA_TNUMBER: out = number_json(L, index); return;
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      out = std::string(s, len);
      return;
    }
    case LUA_TTABLE: break;
    default:
      require_json_null(L, index);
      out = nullptr;
      return;
  }
  index = enter_table(L, index, depth, max_depth);
  if (is_array(L, index)) {
    const size_t n = lua_objlen(L, index);
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
    const std::string key = key_text(L);
    nlohmann::json value;
    to_json_impl(L, -1, depth + 1, max_depth, value);
    out[key] = std::move(value);
    lua_pop(L, 1);
  }
}

void append_text_impl(std::string& out, lua_State* L, int index, int depth, int max_depth, json::InvalidUtf8 invalid) {
  switch (lua_type(L, index)) {
    case LUA_TNIL: out += "null"; return;
    case LUA_TBOOLEAN: out += lua_toboolean(L, index) ? "true" : "false"; return;
    case LUA_TNUMBER: json::append(out, number_json(L, index), invalid); return;
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      json::append_string(out, std::string_view(s, len), invalid);
      return;
    }
    case LUA_TTABLE: break;
    default:
      require_json_null(L, index);
      out += "null";
      return;
  }
  index = enter_table(L, index, depth, max_depth);
  if (is_array(L, index)) {
    const size_t n = lua_objlen(L, index);
    out += '[';
    for (size_t i = 1; i <= n; ++i) {
      if (i > 1) out += ',';
      lua_rawgeti(L, index, static_cast<int>(i));
      append_text_impl(out, L, -1, depth + 1, max_depth, invalid);
      lua_pop(L, 1);
    }
    out += ']';
    return;
  }
  // Keys in the order nlohmann's std::map keeps them (sorted bytewise); when
  // a number and a string spell the same key, the later one lua_next visits
  // wins, as it does there.
  struct Key {
    std::string text;
    int visit;
    bool is_number;
    lua_Number number;
  };
  std::vector<Key> keys;
  lua_pushnil(L);
  while (lua_next(L, index)) {
    const bool is_number = lua_type(L, -2) == LUA_TNUMBER;
    keys.push_back({key_text(L), static_cast<int>(keys.size()), is_number, is_number ? lua_tonumber(L, -2) : 0});
    lua_pop(L, 1);
  }
  std::sort(keys.begin(), keys.end(),
            [](const Key& a, const Key& b) { return a.text != b.text ? a.text < b.text : a.visit < b.visit; });
  out += '{';
  bool first = true;
  for (size_t k = 0; k < keys.size(); ++k) {
    const Key& key = keys[k];
    if (k + 1 < keys.size() && keys[k + 1].text == key.text) continue;  // a later visit wins
    if (key.is_number)
      lua_pushnumber(L, key.number);
    else
      lua_pushlstring(L, key.text.data(), key.text.size());
    lua_rawget(L, index);
    if (!first) out += ',';
    first = false;
    json::append_string(out, key.text, invalid);
    out += ':';
    append_text_impl(out, L, -1, depth + 1, max_depth, invalid);
    lua_pop(L, 1);
  }
  out += '}';
}

}  // namespace

bool is_json_array(lua_State* L, int index) {
  return is_array(L, index < 0 && index > LUA_REGISTRYINDEX ? lua_gettop(L) + index + 1 : index);
}

void append_json_text(std::string& out, lua_State* L, int index, json::InvalidUtf8 invalid, int max_depth) {
  append_text_impl(out, L, index, 0, max_depth, invalid);
}

std::string to_json_text(lua_State* L, int index, json::InvalidUtf8 invalid, int max_depth) {
  std::string out;
  append_text_impl(out, L, index, 0, max_depth, invalid);
  return out;
}

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
