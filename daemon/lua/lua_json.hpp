// Converts plain Lua tables to and from JSON: how ctx.state crosses restarts and reloads.
#pragma once

#include <nlohmann/json.hpp>

#include "util/error.hpp"

struct lua_State;

namespace aiots::lua {

// Returns the value at stack index `index` as JSON: nil, booleans, numbers, strings, and tables
// (arrays when their keys are 1..n, else objects with string keys). Anything else (functions,
// userdata, cycles, nesting deeper than k_max_table_depth) is a data error naming the path,
// e.g. "state.handles.fast".
Expected<nlohmann::json> to_json(lua_State* L, int index, const std::string& path = "state");

// Pushes `value` as a Lua value; false (nothing pushed) when it nests deeper than
// k_max_table_depth. Allocates: call it where a memory error is caught (a protected call).
bool push_json(lua_State* L, const nlohmann::json& value, int depth = 0);

}  // namespace aiots::lua
