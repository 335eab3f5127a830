// Converting between Lua values and JSON: job inputs and step outputs cross
// this boundary, and so do json.encode/json.decode.
#pragma once

#include <nlohmann/json.hpp>

struct lua_State;

namespace agentry::lua {

// Pushes `value`; arrays get the json.array metatable so an empty array
// encodes back as [] rather than {}.
void push_json(lua_State* L, const nlohmann::json& value);

// Reads the value at `index`. Tables with keys 1..n (or marked as arrays)
// become arrays, others objects. Throws std::runtime_error on functions,
// userdata, cycles or nesting deeper than `max_depth`.
nlohmann::json to_json(lua_State* L, int index, int max_depth = 64);

// Registers the array marker metatable (once per state).
void register_json_array_metatable(lua_State* L);
// Pushes the array marker metatable.
void push_json_array_metatable(lua_State* L);

}  // namespace agentry::lua
