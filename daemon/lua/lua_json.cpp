#include "lua/lua_json.hpp"

#include <lua.hpp>

namespace aiots::lua {
namespace {

Expected<nlohmann::json> table_to_json(lua_State* L, int index, const std::string& path, int depth) {
  if (depth > 32) {
    return data_error(path + ": nested too deep (a cycle?)");
  }
  index = lua_absindex(L, index);
  const lua_Unsigned n = lua_rawlen(L, index);
  std::size_t count = 0;
  bool only_strings = true;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    ++count;
    only_strings = only_strings && lua_type(L, -2) == LUA_TSTRING;
    lua_pop(L, 1);
  }
  const bool is_array = count > 0 && count == n;
  if (!is_array && !only_strings) {
    return data_error(path + ": tables must be arrays (keys 1..n) or have string keys only");
  }
  nlohmann::json out = is_array ? nlohmann::json::array() : nlohmann::json::object();
  if (is_array) {
    for (lua_Unsigned i = 1; i <= n; ++i) {
      lua_rawgeti(L, index, static_cast<lua_Integer>(i));
      auto v = to_json(L, -1, path + "[" + std::to_string(i) + "]");
      lua_pop(L, 1);
      if (!v) {
        return v;
      }
      out.push_back(std::move(*v));
    }
    return out;
  }
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    const std::string key = lua_tostring(L, -2);
    auto v = lua_type(L, -1) == LUA_TTABLE ? table_to_json(L, -1, path + "." + key, depth + 1)
                                           : to_json(L, -1, path + "." + key);
    lua_pop(L, 1);
    if (!v) {
      lua_pop(L, 1);
      return v;
    }
    out[key] = std::move(*v);
  }
  return out;
}

}  // namespace

Expected<nlohmann::json> to_json(lua_State* L, int index, const std::string& path) {
  switch (lua_type(L, index)) {
    case LUA_TNIL: return nlohmann::json(nullptr);
    case LUA_TBOOLEAN: return nlohmann::json(lua_toboolean(L, index) != 0);
    case LUA_TNUMBER:
      if (lua_isinteger(L, index)) {
        return nlohmann::json(static_cast<std::int64_t>(lua_tointeger(L, index)));
      }
      return nlohmann::json(lua_tonumber(L, index));
    case LUA_TSTRING: return nlohmann::json(std::string(lua_tostring(L, index)));
    case LUA_TTABLE: return table_to_json(L, index, path, 0);
    default:
      return data_error(path + ": a " + std::string(luaL_typename(L, index)) + " cannot be saved (keep ctx.state plain data)");
  }
}

void push_json(lua_State* L, const nlohmann::json& v) {
  if (v.is_null()) {
    lua_pushnil(L);
  } else if (v.is_boolean()) {
    lua_pushboolean(L, v.get<bool>() ? 1 : 0);
  } else if (v.is_number_integer()) {
    lua_pushinteger(L, v.get<std::int64_t>());
  } else if (v.is_number()) {
    lua_pushnumber(L, v.get<double>());
  } else if (v.is_string()) {
    lua_pushstring(L, v.get<std::string>().c_str());
  } else if (v.is_array()) {
    lua_createtable(L, static_cast<int>(v.size()), 0);
    lua_Integer i = 0;
    for (const auto& item : v) {
      push_json(L, item);
      lua_rawseti(L, -2, ++i);
    }
  } else {
    lua_createtable(L, 0, static_cast<int>(v.size()));
    for (const auto& [k, item] : v.items()) {
      push_json(L, item);
      lua_setfield(L, -2, k.c_str());
    }
  }
}

}  // namespace aiots::lua
