#include "lua/bs_library.hpp"

#include <cmath>
#include <lua.hpp>

#include "engine/options/american.hpp"
#include "engine/options/implied_vol.hpp"

namespace aiots::lua {
namespace {

using options::BsInputs;

// Reads field `name` of the argument table as a number; `fallback` when absent. Plain C: a Lua
// error from here unwinds nothing that needs destroying.
double field(lua_State* L, const char* fn, const char* name, bool required, double fallback = 0) {
  lua_getfield(L, 1, name);
  int is_number = 0;
  const double v = lua_tonumberx(L, -1, &is_number);
  const bool absent = lua_isnil(L, -1);
  lua_pop(L, 1);
  if (absent) {
    if (required) luaL_error(L, "bs.%s: field '%s' is missing", fn, name);
    return fallback;
  }
  if (!is_number || !std::isfinite(v)) luaL_error(L, "bs.%s: field '%s' must be a finite number", fn, name);
  return v;
}

// The inputs common to the three functions (all but vol and price).
BsInputs read_inputs(lua_State* L, const char* fn, bool& american) {
  luaL_checktype(L, 1, LUA_TTABLE);
  BsInputs in;
  lua_getfield(L, 1, "type");
  const char* type = lua_tostring(L, -1);
  const auto parsed = type ? options::parse_option_type(type) : std::nullopt;
  lua_pop(L, 1);
  if (!parsed) luaL_error(L, "bs.%s: field 'type' must be \"call\" or \"put\"", fn);
  in.type = *parsed;
  in.spot = field(L, fn, "spot", true);
  in.strike = field(L, fn, "strike", true);
  if (!(in.spot > 0)) luaL_error(L, "bs.%s: spot must be positive", fn);
  if (!(in.strike > 0)) luaL_error(L, "bs.%s: strike must be positive", fn);
  lua_getfield(L, 1, "years");
  const bool has_years = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (has_years) {
    in.years = field(L, fn, "years", true);
  } else {
    const double expiry = field(L, fn, "expiry", false, NAN);
    const double now = field(L, fn, "now", false, NAN);
    if (std::isnan(expiry) || std::isnan(now)) luaL_error(L, "bs.%s: give years, or expiry and now (seconds)", fn);
    in.years = (expiry - now) / (365.0 * 86'400.0);
  }
  if (in.years < 0) luaL_error(L, "bs.%s: the option has expired (years %f)", fn, in.years);
  in.rate = field(L, fn, "rate", false, 0);
  in.dividend = field(L, fn, "div", false, 0);
  lua_getfield(L, 1, "american");
  american = lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  return in;
}

double read_vol(lua_State* L, const char* fn) {
  const double vol = field(L, fn, "vol", true);
  if (vol < 0) luaL_error(L, "bs.%s: vol must not be negative", fn);
  return vol;
}

// Refuses inputs past what double precision prices without overflow (input_domain_error).
void check_domain(lua_State* L, const char* fn, const BsInputs& in) {
  if (const char* why = options::input_domain_error(in); why != nullptr) luaL_error(L, "bs.%s: %s", fn, why);
}

int bs_price(lua_State* L) {
  bool american = false;
  BsInputs in = read_inputs(L, "price", american);
  in.vol = read_vol(L, "price");
  check_domain(L, "price", in);
  lua_pushnumber(L, american ? options::baw_price(in) : options::bs_price(in));
  return 1;
}

int bs_greeks(lua_State* L) {
  bool american = false;
  BsInputs in = read_inputs(L, "greeks", american);
  in.vol = read_vol(L, "greeks");
  check_domain(L, "greeks", in);
  const options::Greeks g = american ? options::american_greeks(in, options::AmericanMethod::Baw) : options::bs_greeks(in);
  lua_createtable(L, 0, 10);
  const std::pair<const char*, double> values[] = {
      {"price", g.price}, {"delta", g.delta}, {"gamma", g.gamma}, {"vega", g.vega}, {"theta", g.theta},
      {"rho", g.rho}, {"dividend_rho", g.dividend_rho}, {"vanna", g.vanna}, {"charm", g.charm}, {"vomma", g.vomma}};
  for (const auto& [name, value] : values) {
    lua_pushnumber(L, value);
    lua_setfield(L, -2, name);
  }
  return 1;
}

// bs.iv{...} -> iv, status; iv is nil for the error statuses (below_intrinsic, ...).
int bs_iv(lua_State* L) {
  bool american = false;
  BsInputs in = read_inputs(L, "iv", american);
  const double price = field(L, "iv", "price", true);
  check_domain(L, "iv", in);
  const options::IvResult r = american ? options::american_implied_vol(in, price, options::AmericanMethod::Baw)
                                       : options::implied_vol(in, price);
  if (options::is_error(r.status)) {
    lua_pushnil(L);
  } else {
    lua_pushnumber(L, r.vol);
  }
  const std::string_view status = options::to_string(r.status);
  lua_pushlstring(L, status.data(), status.size());
  return 2;
}

}  // namespace

void install_bs_library(lua_State* L) {
  static const luaL_Reg k_bs[] = {{"price", bs_price}, {"greeks", bs_greeks}, {"iv", bs_iv}, {nullptr, nullptr}};
  luaL_newlib(L, k_bs);
  lua_setglobal(L, "bs");
}

}  // namespace aiots::lua
