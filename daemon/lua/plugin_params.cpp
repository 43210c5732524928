#include "lua/plugin_params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <lua.hpp>

#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::lua {
namespace {

std::string declared_list(const std::vector<ParamDecl>& decls) {
  if (decls.empty()) {
    return "no parameters declared";
  }
  std::string out = "valid: ";
  for (std::size_t i = 0; i < decls.size(); ++i) {
    const ParamDecl& d = decls[i];
    out += (i ? ", " : "") + d.name + " (" + d.type + ", default " + to_string(d.fallback);
    if (d.min || d.max) {
      out += ", " + (d.min ? to_string(ParamValue{*d.min}) : std::string("-inf")) + ".." +
             (d.max ? to_string(ParamValue{*d.max}) : std::string("inf"));
    }
    out += ")";
  }
  return out;
}

// Parses `text` as a value of `decl`'s type; nullopt if it is not one.
std::optional<ParamValue> parse_param(const ParamDecl& decl, const std::string& text) {
  if (decl.type == "string") {
    return ParamValue{text};
  }
  if (decl.type == "bool") {
    if (text == "true" || text == "1" || text == "yes") return ParamValue{true};
    if (text == "false" || text == "0" || text == "no") return ParamValue{false};
    return std::nullopt;
  }
  if (decl.type == "int") {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return ParamValue{v};
  }
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return ParamValue{v};
}

double numeric(const ParamValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return 0;
}

}  // namespace

std::string to_string(const ParamValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return format_number(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return std::get<bool>(v) ? "true" : "false";
}

void push_param_value(lua_State* L, const ParamValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) lua_pushinteger(L, *i);
  else if (const auto* d = std::get_if<double>(&v)) lua_pushnumber(L, *d);
  else if (const auto* s = std::get_if<std::string>(&v)) lua_pushstring(L, s->c_str());
  else lua_pushboolean(L, std::get<bool>(v) ? 1 : 0);
}



Expected<std::vector<ParamDecl>> read_param_decls(lua_State* L, const std::string& path) {
  std::vector<ParamDecl> declared;
  // params: name -> {default, type, min, max, description}, read in name order.
  lua_getfield(L, -1, "params");
  if (lua_istable(L, -1)) {
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
        lua_pop(L, 3);
        return data_error(path + ": params must map names to tables like { default = 10 }");
      }
      ParamDecl d;
      d.name = lua_tostring(L, -2);
      lua_getfield(L, -1, "default");
      const int t = lua_type(L, -1);
      if (t == LUA_TNUMBER) {
        if (lua_isinteger(L, -1)) {
          d.fallback = static_cast<std::int64_t>(lua_tointeger(L, -1));
          d.type = "int";
        } else {
          d.fallback = lua_tonumber(L, -1);
          d.type = "number";
        }
      } else if (t == LUA_TSTRING) {
        d.fallback = std::string(lua_tostring(L, -1));
        d.type = "string";
      } else if (t == LUA_TBOOLEAN) {
        d.fallback = lua_toboolean(L, -1) != 0;
        d.type = "bool";
      } else {
        lua_pop(L, 4);
        return data_error(path + ": parameter '" + d.name + "' needs a default (number, string or boolean)");
      }
      lua_pop(L, 1);
      lua_getfield(L, -1, "type");
      if (lua_isstring(L, -1)) {
        const std::string declared = lua_tostring(L, -1);
        if (declared == "number" && d.type == "int") {
          d.fallback = numeric(d.fallback);
          d.type = "number";
        } else if (declared != d.type) {
          lua_pop(L, 4);
          return data_error(path + ": parameter '" + d.name + "' is declared " + declared + " but defaults to a " + d.type);
        }
      }
      lua_pop(L, 1);
      for (auto [key, slot] : {std::pair{"min", &d.min}, std::pair{"max", &d.max}}) {
        lua_getfield(L, -1, key);
        if (lua_isnumber(L, -1)) {
          *slot = lua_tonumber(L, -1);
        }
        lua_pop(L, 1);
      }
      lua_getfield(L, -1, "description");
      d.description = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
      lua_pop(L, 2);
      declared.push_back(std::move(d));
    }
  }
  lua_pop(L, 1);
  std::sort(declared.begin(), declared.end(), [](const ParamDecl& a, const ParamDecl& b) { return a.name < b.name; });
  return declared;
}

Expected<std::map<std::string, ParamValue>> resolve_param_values(const std::vector<ParamDecl>& declared,
                                                                 const std::map<std::string, std::string>& overrides,
                                                                 const std::string& plugin) {
  std::map<std::string, ParamValue> values;
  for (const ParamDecl& d : declared) {
    values[d.name] = d.fallback;
  }
  for (const auto& override_item : overrides) {
    const std::string& key = override_item.first;
    const std::string& text = override_item.second;
    auto it = std::find_if(declared.begin(), declared.end(), [&](const ParamDecl& d) { return d.name == key; });
    if (it == declared.end()) {
      return usage_error("unknown parameter " + quote_value(key) + " for " + plugin + " (" + declared_list(declared) + ")");
    }
    auto v = parse_param(*it, text);
    if (!v) {
      return usage_error("parameter '" + key + "' must be " + (it->type == "int" ? "an int" : "a " + it->type) +
                         ", got " + quote_value(text) + " (" + declared_list(declared) + ")");
    }
    const double x = numeric(*v);
    if ((it->min && x < *it->min) || (it->max && x > *it->max)) {
      return usage_error("parameter '" + key + "' = " + quote_value(text) + " is out of range (" + declared_list(declared) + ")");
    }
    values[key] = *v;
  }
  return values;
}


nlohmann::json param_value_json(const ParamValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return std::get<bool>(v);
}

}  // namespace aiots::lua
