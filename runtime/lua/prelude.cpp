// prelude.lua is compiled into the binary and to bytecode once per process,
// so a new job state only loads bytecode.
#include <stdexcept>

#include <lua.hpp>

#include "runtime/lua/job_host.h"

namespace agentry::lua {

namespace {
constexpr char kPreludeSource[] =
#include "prelude_source.inc"
    ;

int append_chunk(lua_State*, const void* data, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return 0;
}

std::string compile_prelude() {
  std::unique_ptr<lua_State, void (*)(lua_State*)> L(luaL_newstate(), lua_close);
  if (!L) throw std::runtime_error("cannot create a Lua state");
  if (luaL_loadbuffer(L.get(), kPreludeSource, sizeof kPreludeSource - 1, "@runtime/lua/prelude.lua") != 0)
    throw std::runtime_error(std::string("prelude: ") + lua_tostring(L.get(), -1));
  std::string bytecode;
  lua_dump(L.get(), append_chunk, &bytecode);
  return bytecode;
}
}  // namespace

const std::string& prelude_bytecode() {
  static const std::string bytecode = compile_prelude();
  return bytecode;
}

}  // namespace agentry::lua
