// Converting between Lua values and JSON: job inputs and step outputs cross
// this boundary, and so do json.encode/json.decode.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "runtime/json/json_writer.h"

struct lua_State;

namespace agentry::lua {

// Pushes `value`; arrays get the json.array metatable so an empty array
// encodes back as [] rather than {}.
void push_json(lua_State* L, const nlohmann::json& value);

// Whether the table at `index` encodes as a JSON array: marked as one, or
// keys exactly 1..n.
bool is_json_array(lua_State* L, int index);

// Reads the value at `index`. Tables with keys 1..n (or marked as arrays)
// become arrays, others objects. Throws std::runtime_error on functions,
// userdata, cycles or nesting deeper than `max_depth`.
nlohmann::json to_json(lua_State* L, int index, int max_depth = 64);

// The JSON text of the value at `index`: the same text as
// to_json(L, index, max_depth).dump() (object keys sorted), written straight
// from the Lua value without building the nlohmann tree; same errors.
void append_json_text(std::string& out, lua_State* L, int index, json::InvalidUtf8 invalid, int max_depth = 64);
std::string to_json_text(lua_State* L, int index, json::InvalidUtf8 invalid, int max_depth = 64);

// Registers the array marker metatable (once per state).
void register_json_array_metatable(lua_State* L);
// Pushes the array marker metatable.
void push_json_array_metatable(lua_State* L);

}  // namespace agentry::lua
