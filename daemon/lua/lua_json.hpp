// Converts plain Lua tables to and from JSON: how ctx.state crosses restarts and reloads.
#pragma once

#include <nlohmann/json.hpp>

#include "util/error.hpp"

struct lua_State;

namespace aiots::lua {

// Returns the value at stack index `index` as JSON: nil, booleans, numbers, strings, and tables
// (arrays when their keys are 1..n, else objects with string keys). Anything else (functions,
// userdata, cycles) is a data error naming the path, e.g. "state.handles.fast".
Expected<nlohmann::json> to_json(lua_State* L, int index, const std::string& path = "state");

// Pushes `value` as a Lua value.
void push_json(lua_State* L, const nlohmann::json& value);

}  // namespace aiots::lua
