#include "lua/lua_json.hpp"

#include <lua.hpp>

#include "lua/sandbox.hpp"

namespace aiots::lua {
namespace {

tl::unexpected<Error> too_deep(const std::string& path) {
  const std::string shown = path.size() > 80 ? path.substr(0, 77) + "..." : path;
  return data_error(shown + ": tables nested deeper than " + std::to_string(k_max_table_depth) +
                    " levels (the limit for ctx.state; a cycle?)");
}

Expected<nlohmann::json> value_to_json(lua_State* L, int index, const std::string& path, int depth);

// `depth` counts the tables around this one: at most k_max_table_depth tables nest.
Expected<nlohmann::json> table_to_json(lua_State* L, int index, const std::string& path, int depth) {
  if (depth >= k_max_table_depth) {
    return too_deep(path);
  }
  // Each level keeps a key and a value on the stack: make room (never past the limit above).
  if (lua_checkstack(L, 4) == 0) {
    return too_deep(path);
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
      auto v = value_to_json(L, -1, path + "[" + std::to_string(i) + "]", depth + 1);
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
    std::size_t len = 0;
    const char* key_text = lua_tolstring(L, -2, &len);  // a string key: no conversion in place
    const std::string key(key_text, len);
    auto v = value_to_json(L, -1, path + "." + key, depth + 1);
    lua_pop(L, 1);
    if (!v) {
      lua_pop(L, 1);
      return v;
    }
    out[key] = std::move(*v);
  }
  return out;
}

Expected<nlohmann::json> value_to_json(lua_State* L, int index, const std::string& path, int depth) {
  switch (lua_type(L, index)) {
    case LUA_TNIL: return nlohmann::json(nullptr);
    case LUA_TBOOLEAN: return nlohmann::json(lua_toboolean(L, index) != 0);
    case LUA_TNUMBER:
      if (lua_isinteger(L, index)) {
        return nlohmann::json(static_cast<std::int64_t>(lua_tointeger(L, index)));
      }
      return nlohmann::json(lua_tonumber(L, index));
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* text = lua_tolstring(L, index, &len);
      return nlohmann::json(std::string(text, len));
    }
    case LUA_TTABLE: return table_to_json(L, index, path, depth);
    default:
      return data_error(path + ": a " + std::string(luaL_typename(L, index)) + " cannot be saved (keep ctx.state plain data)");
  }
}

}  // namespace

Expected<nlohmann::json> to_json(lua_State* L, int index, const std::string& path) {
  return value_to_json(L, index, path, 0);
}

bool push_json(lua_State* L, const nlohmann::json& v, int depth) {
  if (((v.is_array() || v.is_object()) && depth >= k_max_table_depth) || lua_checkstack(L, 3) == 0) {
    return false;
  }
  if (v.is_null()) {
    lua_pushnil(L);
  } else if (v.is_boolean()) {
    lua_pushboolean(L, v.get<bool>() ? 1 : 0);
  } else if (v.is_number_integer()) {
    lua_pushinteger(L, v.get<std::int64_t>());
  } else if (v.is_number()) {
    lua_pushnumber(L, v.get<double>());
  } else if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    lua_pushlstring(L, text.data(), text.size());
  } else if (v.is_array()) {
    lua_createtable(L, static_cast<int>(std::min<std::size_t>(v.size(), 1u << 20)), 0);
    lua_Integer i = 0;
    for (const auto& item : v) {
      if (!push_json(L, item, depth + 1)) {
        lua_pop(L, 1);
        return false;
      }
      lua_rawseti(L, -2, ++i);
    }
  } else {
    lua_createtable(L, 0, static_cast<int>(std::min<std::size_t>(v.size(), 1u << 20)));
    for (const auto& [k, item] : v.items()) {
      if (!push_json(L, item, depth + 1)) {
        lua_pop(L, 1);
        return false;
      }
      lua_setfield(L, -2, k.c_str());
    }
  }
  return true;
}

}  // namespace aiots::lua
