// The option primitives under ctx:chain, option orders and ctx:greeks (plugins/prelude/aiots.lua),
// with the three-phase rule of strategy_bindings.cpp: check arguments, do the C++ work guarded
// into members that outlive the call, then push.
#include <cmath>
#include <exception>
#include <lua.hpp>

#include "engine/options/expiry.hpp"
#include "lua/guarded.hpp"
#include "lua/lua_strategy.hpp"

namespace aiots::lua {
namespace {


void set_number(lua_State* L, const char* name, double v) {
  if (!std::isfinite(v)) return;  // missing stays nil
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

void set_string(lua_State* L, const char* name, const std::string& v) {
  lua_pushlstring(L, v.data(), v.size());
  lua_setfield(L, -2, name);
}

// raw.option(symbol) -> symbol index, or nil and "CODE: message"
int raw_option(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  std::size_t len = 0;
  const char* text = luaL_checklstring(L, 1, &len);
  SymbolId id = -1;
  const bool ok = guarded(s, [&] {
    auto found = s->context()->option_symbol(std::string_view(text, len));
    if (!found) {
      s->scratch_text() = found.error().message;
      return;
    }
    id = *found;
    s->note_symbol(id, std::string(text, len));
  });
  if (!ok) return luaL_error(L, "%s", s->scratch_text().c_str());
  if (id < 0) {
    lua_pushnil(L);
    lua_pushstring(L, s->scratch_text().c_str());
    return 2;
  }
  lua_pushinteger(L, id + 1);
  return 1;
}

// raw.chain(si) -> array of contracts (empty when the run has no chain of that symbol now)
int raw_chain(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const lua_Integer symbol = luaL_checkinteger(L, 1);
  if (!s->context()->has_chains()) {
    return luaL_error(L, "NO_OPTION_CHAINS: this run has no option chains (backtest --chains store|synth)");
  }
  const bool ok = guarded(s, [&] {
    std::vector<ContractView>& out = s->scratch_contracts();
    out.clear();
    StrategyContext& ctx = *s->context();
    const options::PricedChain* priced = ctx.chain(static_cast<SymbolId>(symbol - 1));
    if (priced == nullptr) return;
    const Timestamp now = ctx.option_time(static_cast<SymbolId>(symbol - 1));
    const double spot = ctx.portfolio().last_price(static_cast<SymbolId>(symbol - 1));
    for (std::size_t i = 0; i < priced->chain.quotes.size(); ++i) {
      const options::OptionQuote& q = priced->chain.quotes[i];
      const options::ContractMetrics& m = priced->metrics[i];
      if (q.expiry <= now) continue;
      ContractView v;
      v.symbol = priced->symbols[i];
      if (v.symbol.empty()) continue;  // a root the OCC form cannot carry: not tradable here
      v.expiry_date = format_time(priced->expiry_days[i] * k_ns_per_day, true);
      v.expiry = static_cast<double>(q.expiry) / 1e9;
      v.type = std::string(options::to_string(q.type));
      v.strike = q.strike;
      v.bid = q.bid;
      v.ask = q.ask;
      v.mid = m.source == options::PriceSource::Mid ? m.price : NAN;
      v.last = q.last;
      v.volume = q.volume;
      v.open_interest = q.open_interest;
      v.iv = m.iv;
      const double years = options::years_between(now, q.expiry);
      v.days = years * 365.0;
      if (std::isfinite(m.iv) && spot > 0) {
        // Greeks and value at the current price and time, at the chain's volatility.
        const options::Greeks g = options::bs_greeks(options::BsInputs{
            q.type, spot, q.strike, years, priced->params.rate, priced->params.dividend, m.iv});
        v.value = g.price;
        v.delta = g.delta;
        v.gamma = g.gamma;
        v.vega = g.vega;
        v.theta = g.theta;
      }
      out.push_back(std::move(v));
    }
  });
  if (!ok) return luaL_error(L, "%s", s->scratch_text().c_str());
  const std::vector<ContractView>& contracts = s->scratch_contracts();
  lua_createtable(L, static_cast<int>(contracts.size()), 0);
  for (std::size_t i = 0; i < contracts.size(); ++i) {
    const ContractView& v = contracts[i];
    lua_createtable(L, 0, 18);
    set_string(L, "symbol", v.symbol);
    set_string(L, "type", v.type);
    set_string(L, "expiry_date", v.expiry_date);
    set_number(L, "expiry", v.expiry);
    set_number(L, "days", v.days);
    set_number(L, "strike", v.strike);
    set_number(L, "bid", v.bid);
    set_number(L, "ask", v.ask);
    set_number(L, "mid", v.mid);
    set_number(L, "last", v.last);
    set_number(L, "volume", v.volume);
    set_number(L, "open_interest", v.open_interest);
    set_number(L, "iv", v.iv);
    set_number(L, "value", v.value);
    set_number(L, "delta", v.delta);
    set_number(L, "gamma", v.gamma);
    set_number(L, "vega", v.vega);
    set_number(L, "theta", v.theta);
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}

// raw.greeks() -> delta, gamma, vega, theta of the whole portfolio
int raw_greeks(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  PortfolioGreeks g;
  const bool ok = guarded(s, [&] { g = s->context()->greeks(); });
  if (!ok) return luaL_error(L, "%s", s->scratch_text().c_str());
  lua_pushnumber(L, g.delta);
  lua_pushnumber(L, g.gamma);
  lua_pushnumber(L, g.vega);
  lua_pushnumber(L, g.theta);
  return 4;
}

}  // namespace

void add_option_bindings(lua_State* L, LuaStrategy* strategy) {
  static const luaL_Reg k_raw[] = {{"option", raw_option}, {"chain", raw_chain}, {"greeks", raw_greeks}, {nullptr, nullptr}};
  lua_pushlightuserdata(L, strategy);
  luaL_setfuncs(L, k_raw, 1);
}

}  // namespace aiots::lua
