// The thin C bindings ("raw") under the strategy API of plugins/prelude/aiots.lua.
//
// Lua is C: an error raised in a binding (a bad argument, a memory error while pushing a
// result) leaves by longjmp, which skips C++ destructors. Every binding therefore has three
// phases: (1) read and check the arguments into plain values, (2) do the C++ work inside
// `guarded`, which catches exceptions and leaves its results in plain values or in members of
// the strategy that outlive the call, (3) push the results. Phases 1 and 3 hold no object with
// a destructor, so a jump from them is clean.
#include <cmath>
#include <cstring>
#include <exception>
#include <lua.hpp>

#include "lua/guarded.hpp"
#include "lua/lua_strategy.hpp"
#include "util/time.hpp"

namespace aiots::lua {
LuaStrategy* bound_strategy(lua_State* L) { return static_cast<LuaStrategy*>(lua_touserdata(L, lua_upvalueindex(1))); }

namespace {


double opt_number(lua_State* L, int i) { return lua_isnumber(L, i) ? lua_tonumber(L, i) : std::nan(""); }

int raise_scratch(lua_State* L, LuaStrategy* s) { return luaL_error(L, "%s", s->scratch_text().c_str()); }

void push_view(lua_State* L, std::string_view text) { lua_pushlstring(L, text.data(), text.size()); }

// raw.submit(si, side, qty, type, tif, limit, stop, trail_amount, trail_percent, tp, sl, oco, tag)
int raw_submit(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const lua_Integer symbol = luaL_checkinteger(L, 1);
  const char* side = luaL_checkstring(L, 2);
  const double quantity = luaL_checknumber(L, 3);
  const char* type = luaL_checkstring(L, 4);
  const char* tif = luaL_checkstring(L, 5);
  const double limit = opt_number(L, 6);
  const double stop = opt_number(L, 7);
  const double trail_amount = opt_number(L, 8);
  const double trail_percent = opt_number(L, 9);
  const double take_profit = opt_number(L, 10);
  const double stop_loss = opt_number(L, 11);
  const lua_Integer oco = luaL_optinteger(L, 12, 0);
  const char* tag = luaL_optstring(L, 13, "");
  OrderId id = 0;
  const char* rejection = nullptr;  // points into the order, which the engine keeps
  const bool ok = guarded(s, [&] {
    OrderRequest r;
    r.symbol = static_cast<SymbolId>(symbol - 1);
    r.side = std::strcmp(side, "buy") == 0 ? Side::Buy : Side::Sell;
    r.quantity = quantity;
    r.type = parse_order_type(type).value_or(OrderType::Market);
    r.tif = parse_time_in_force(tif).value_or(TimeInForce::Gtc);
    r.limit = limit;
    r.stop = stop;
    r.trail_amount = trail_amount;
    r.trail_percent = trail_percent;
    r.take_profit = take_profit;
    r.stop_loss = stop_loss;
    r.oco_group = oco;
    r.tag = tag;
    id = s->context()->submit(r);
    const Order* o = s->context()->order(id);
    if (o != nullptr && o->status == OrderStatus::Rejected) {
      rejection = o->reason.c_str();
    }
  });
  if (!ok) return raise_scratch(L, s);
  if (rejection != nullptr) {
    lua_pushnil(L);
    lua_pushstring(L, rejection);
    return 2;
  }
  lua_pushinteger(L, id);
  return 1;
}

int raw_cancel(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const lua_Integer id = luaL_checkinteger(L, 1);
  bool cancelled = false;
  const bool ok = guarded(s, [&] {
    auto r = s->context()->cancel(id);
    cancelled = r.has_value();
    if (!cancelled) s->scratch_text() = r.error().message;
  });
  if (!ok) return raise_scratch(L, s);
  if (!cancelled) {
    lua_pushnil(L);
    lua_pushstring(L, s->scratch_text().c_str());
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

int raw_cash(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  lua_pushnumber(L, s->context() != nullptr ? s->context()->portfolio().cash().value() : 0.0);
  return 1;
}

// raw.positions() -> names, positions, average prices (arrays over every instrument), cash:
// what the prelude caches, read at start (a daemon restart restores positions before on_start).
int raw_positions(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const Portfolio& p = s->context()->portfolio();
  const auto& instruments = p.instruments();
  lua_createtable(L, static_cast<int>(instruments.size()), 0);
  lua_createtable(L, static_cast<int>(instruments.size()), 0);
  lua_createtable(L, static_cast<int>(instruments.size()), 0);
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const Position& pos = p.position(static_cast<SymbolId>(i));
    push_view(L, instruments[i].symbol);
    lua_rawseti(L, -4, static_cast<lua_Integer>(i + 1));
    lua_pushinteger(L, pos.quantity);
    lua_rawseti(L, -3, static_cast<lua_Integer>(i + 1));
    lua_pushnumber(L, pos.average_price(instruments[i].multiplier));
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_pushnumber(L, p.cash().value());
  return 4;
}

int raw_equity(lua_State* L) {
  lua_pushnumber(L, bound_strategy(L)->context()->portfolio().equity().value());
  return 1;
}

int raw_last_price(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const lua_Integer symbol = luaL_checkinteger(L, 1);
  if (symbol < 1 || static_cast<std::size_t>(symbol) > s->symbols().size()) {
    return luaL_error(L, "symbol index %d is not in this run", static_cast<int>(symbol));
  }
  lua_pushnumber(L, s->context()->portfolio().last_price(static_cast<SymbolId>(symbol - 1)));
  return 1;
}

// raw.sentiment(si, window_seconds) -> {score, relevance, articles, latest}, nil (no article), or
// nil, "NO_SENTIMENT: ..." (the run has no news)
int raw_sentiment(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const lua_Integer symbol = luaL_checkinteger(L, 1);
  const lua_Number window = luaL_checknumber(L, 2);
  if (symbol < 1 || static_cast<std::size_t>(symbol) > s->symbols().size()) {
    return luaL_error(L, "symbol index %d is not in this run", static_cast<int>(symbol));
  }
  if (!(window > 0) || window > 1e9) return luaL_error(L, "ctx:sentiment: days must be above 0 and at most 11574");
  if (!s->context()->has_sentiment()) {
    // Raised by the prelude at the strategy's line.
    lua_pushnil(L);
    lua_pushstring(L, "NO_SENTIMENT: this run has no news (backtest --sentiment store, after aiots data fetch-news)");
    return 2;
  }
  std::optional<Sentiment> found;
  std::string latest;
  const bool ok = guarded(s, [&] {
    found = s->context()->sentiment(static_cast<SymbolId>(symbol - 1), static_cast<Timestamp>(window * 1e9));
    if (found) latest = format_time(found->latest);
  });
  if (!ok) return raise_scratch(L, s);
  if (!found) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 4);
  lua_pushnumber(L, found->score);
  lua_setfield(L, -2, "score");
  lua_pushnumber(L, found->relevance);
  lua_setfield(L, -2, "relevance");
  lua_pushinteger(L, found->articles);
  lua_setfield(L, -2, "articles");
  lua_pushstring(L, latest.c_str());
  lua_setfield(L, -2, "latest");
  return 1;
}

int raw_open_orders(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const lua_Integer symbol = luaL_checkinteger(L, 1);
  std::vector<OrderId>& ids = s->scratch_ids();
  const bool ok = guarded(s, [&] { ids = s->context()->open_orders(static_cast<SymbolId>(symbol - 1)); });
  if (!ok) return raise_scratch(L, s);
  lua_createtable(L, static_cast<int>(ids.size()), 0);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    lua_pushinteger(L, ids[i]);
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}

int raw_order_status(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const Order* o = s->context()->order(luaL_checkinteger(L, 1));
  if (o == nullptr) {
    lua_pushnil(L);
    lua_pushliteral(L, "ORDER_NOT_FOUND: no such order");
    return 2;
  }
  push_view(L, to_string(o->status));
  lua_pushinteger(L, o->filled);
  lua_pushnumber(L, o->average_fill_price);
  return 3;
}

// raw.indicator(spec, si, handle_table) -> true, or nil and the reason
int raw_indicator(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const char* text = luaL_checkstring(L, 1);
  const lua_Integer symbol = luaL_checkinteger(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  if (symbol < 1 || static_cast<std::size_t>(symbol) > s->data_symbol_count()) {
    return luaL_error(L, "indicators take a symbol of the run's data, not an option contract");
  }
  std::size_t handle = 0;
  std::size_t width = 0;
  bool valid = false;
  const bool ok = guarded(s, [&] {
    auto specs = parse_indicator_specs(text);
    if (!specs || specs->size() != 1) {
      s->scratch_text() = specs ? "one indicator per handle" : specs.error().message;
      return;
    }
    handle = s->context()->add_indicator(specs->front(), static_cast<SymbolId>(symbol - 1));
    width = s->context()->indicator_columns(handle).size();
    valid = true;
  });
  if (!ok) return raise_scratch(L, s);
  if (!valid) {
    lua_pushnil(L);
    lua_pushstring(L, s->scratch_text().c_str());
    return 2;
  }
  lua_pushvalue(L, 3);  // handle table on top for add_handle
  s->add_handle(static_cast<SymbolId>(symbol - 1), handle, width);
  lua_pushboolean(L, 1);
  return 1;
}

int raw_signal(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const lua_Integer symbol = luaL_checkinteger(L, 1);
  const char* side = luaL_checkstring(L, 2);
  const double confidence = luaL_checknumber(L, 3);
  const char* reason = luaL_checkstring(L, 4);
  const bool ok = guarded(s, [&] {
    SignalRecord r;
    r.symbol = static_cast<SymbolId>(symbol - 1);
    r.side = side;
    r.confidence = confidence;
    r.reason = reason;
    s->context()->signal(std::move(r));
  });
  if (!ok) return raise_scratch(L, s);
  return 0;
}

int raw_log(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const std::string_view text = join_print_args(L);
  if (s->context() != nullptr) {
    const bool ok = guarded(s, [&] { s->context()->log(text); });
    if (!ok) return raise_scratch(L, s);
  }
  return 0;
}

int raw_format_time(lua_State* L) {
  LuaStrategy* s = bound_strategy(L);
  const double t = luaL_checknumber(L, 1);
  const double ns = t * 1e9;
  if (!(ns >= static_cast<double>(k_min_time) && ns <= static_cast<double>(k_max_time))) {
    return luaL_error(L, "time %f is outside %s", t, k_time_range_text.data());
  }
  const bool ok = guarded(s, [&] { s->scratch_text() = format_time(static_cast<Timestamp>(std::llround(ns))); });
  if (!ok) return raise_scratch(L, s);
  lua_pushstring(L, s->scratch_text().c_str());
  return 1;
}

}  // namespace

void push_strategy_bindings(lua_State* L, LuaStrategy* strategy) {
  static const luaL_Reg k_raw[] = {{"submit", raw_submit},         {"cancel", raw_cancel},
                                   {"cash", raw_cash},             {"equity", raw_equity},
                                   {"positions", raw_positions},
                                   {"last_price", raw_last_price},
                                   {"open_orders", raw_open_orders}, {"order_status", raw_order_status},
                                   {"indicator", raw_indicator},   {"signal", raw_signal},
                                   {"log", raw_log},               {"format_time", raw_format_time},
                                   {"sentiment", raw_sentiment},   {nullptr, nullptr}};
  lua_newtable(L);
  lua_pushlightuserdata(L, strategy);
  luaL_setfuncs(L, k_raw, 1);
  add_option_bindings(L, strategy);
}

void push_print_binding(lua_State* L, LuaStrategy* strategy) {
  lua_pushlightuserdata(L, strategy);
  lua_pushcclosure(L, raw_log, 1);
}

}  // namespace aiots::lua
