// The `params` a plugin declares (strategies and risk rules alike): reading the declarations
// from its table, checking -p overrides against them, and handing the values to Lua.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "util/error.hpp"

struct lua_State;

namespace aiots::lua {

using ParamValue = std::variant<std::int64_t, double, std::string, bool>;

// One entry of a plugin's `params` table.
struct ParamDecl {
  std::string name;
  std::string type;  // int, number, string, bool
  ParamValue fallback;
  std::optional<double> min;
  std::optional<double> max;
  std::string description;
};

std::string to_string(const ParamValue& v);

// Reads the `params` field of the plugin table on the stack top (left in place), sorted by
// name; a data error "path: ..." names a malformed declaration.
Expected<std::vector<ParamDecl>> read_param_decls(lua_State* L, const std::string& path);
// Every declared parameter's value: its default, or its override checked against its type and
// range; a usage error lists the valid parameters of `plugin`.
Expected<std::map<std::string, ParamValue>> resolve_param_values(const std::vector<ParamDecl>& declared,
                                                                 const std::map<std::string, std::string>& overrides,
                                                                 const std::string& plugin);
void push_param_value(lua_State* L, const ParamValue& v);

// A JSON value of a parameter (numbers as numbers, flags as booleans).
nlohmann::json param_value_json(const ParamValue& v);

}  // namespace aiots::lua
