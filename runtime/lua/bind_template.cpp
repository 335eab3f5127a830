#include <lua.hpp>

#include "runtime/lua/job_host.h"
#include "runtime/lua/lua_json.h"
#include "runtime/lua/template.h"

namespace agentry::lua {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Pushes vars[a][b][c] for the path "a.b.c", or nil.
void push_path(lua_State* L, int vars, std::string_view path) {
  lua_pushvalue(L, vars);
  while (!path.empty()) {
    const auto dot = path.find('.');
    const std::string_view part = path.substr(0, dot);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      lua_pushnil(L);
      return;
    }
    char* end = nullptr;
    const std::string key(part);
    const long index = std::strtol(key.c_str(), &end, 10);
    if (end && *end == '\0' && !key.empty())
      lua_rawgeti(L, -1, static_cast<int>(index));
    else
      lua_getfield(L, -1, key.c_str());
    lua_remove(L, -2);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
}

int render(lua_State* L) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const std::string_view text(s, len);
  const bool has_vars = lua_istable(L, 2);
  std::string out;
  std::string error;
  out.reserve(len);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text.substr(pos, open - pos));
    const std::string_view path = trim(text.substr(open + 2, close - open - 2));
    if (has_vars) push_path(L, 2, path);
    else lua_pushnil(L);
    switch (lua_type(L, -1)) {
      case LUA_TNIL: out.append(kMissingTemplateValue); break;
      case LUA_TBOOLEAN: out.append(lua_toboolean(L, -1) ? "true" : "false"); break;
      case LUA_TNUMBER:
      case LUA_TSTRING: {
        size_t n = 0;
        const char* v = lua_tolstring(L, -1, &n);
        out.append(v, n);
        break;
      }
      case LUA_TTABLE:
        try {
          append_json_text(out, L, -1, json::InvalidUtf8::fail);
        } catch (const std::exception& e) {
          error = e.what();
        }
        break;
      default: out.append(luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    if (!error.empty()) return luaL_error(L, "template: {{%s}}: %s", std::string(path).c_str(), error.c_str());
    pos = close + 2;
  }
  out.append(text.substr(pos));
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

}  // namespace

std::vector<std::string> template_variables(std::string_view text) {
  std::vector<std::string> vars;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    vars.emplace_back(trim(text.substr(open + 2, close - open - 2)));
    pos = close + 2;
  }
  return vars;
}

void register_template_primitive(lua_State* L) {
  lua_pushcfunction(L, render);
  lua_setfield(L, -2, "template");
}

}  // namespace agentry::lua
