// The `bs` table every plugin sees: Black-Scholes-Merton prices, Greeks and implied volatility
// (the engine's own functions), for strategies, risk rules and playbooks alike.
#pragma once

struct lua_State;

namespace aiots::lua {

// Sets the global `bs` = {price, greeks, iv}. Each takes one table:
//   {type = "call"|"put", spot, strike, years | (expiry, now) in seconds since the epoch,
//    vol (price, greeks) | price (iv), rate = 0, div = 0, american = false}
// american uses Barone-Adesi-Whaley (microseconds; a tree is too slow per bar). A bad field is
// a Lua error naming it.
void install_bs_library(lua_State* L);

}  // namespace aiots::lua
