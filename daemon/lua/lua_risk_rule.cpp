#include "lua/lua_risk_rule.hpp"

#include <cmath>
#include <fstream>
#include <lua.hpp>
#include <sstream>

#include "engine/risk/risk_codes.hpp"

namespace aiots::lua {
namespace {

LuaRiskRule* rule_of(lua_State* L) { return static_cast<LuaRiskRule*>(lua_touserdata(L, lua_upvalueindex(1))); }

// The actions only record what was asked (strings copied before anything can longjmp); the
// engine carries them out after the callback returns.
// Arguments are read (and may raise) before any C++ object exists; the C++ work cannot throw
// through Lua (a failed allocation is reported as a Lua error after the guard).
int record_action(lua_State* L, risk::RuleActionKind kind, const char* strategy, const char* reason) {
  int status = 0;  // 0 recorded, 1 too many, 2 no memory
  try {
    std::string text(reason);
    if (text.size() > 200) text.resize(200);
    status = rule_of(L)->add_action(risk::RuleAction{kind, strategy, std::move(text)}) ? 0 : 1;
  } catch (...) {
    status = 2;
  }
  if (status == 1) return luaL_error(L, "more than %d actions in one call", static_cast<int>(LuaRiskRule::k_max_actions_per_call));
  if (status == 2) return luaL_error(L, "out of memory recording a risk action");
  return 0;
}

int rule_halt(lua_State* L) {
  const char* reason = luaL_optstring(L, 1, "");
  return record_action(L, risk::RuleActionKind::Halt, "", reason);
}

int rule_reduce(lua_State* L) {
  const char* reason = luaL_optstring(L, 1, "");
  return record_action(L, risk::RuleActionKind::Reduce, "", reason);
}

int rule_pause(lua_State* L) {
  const char* strategy = luaL_checkstring(L, 1);
  const char* reason = luaL_optstring(L, 2, "");
  return record_action(L, risk::RuleActionKind::Pause, strategy, reason);
}

int rule_print(lua_State* L) {
  const std::string_view text = join_print_args(L);
  bool ok = true;
  try {
    rule_of(L)->add_log(std::string(text));
  } catch (...) {
    ok = false;
  }
  if (!ok) return luaL_error(L, "out of memory recording a log line");
  return 0;
}

void set_number(lua_State* L, const char* key, double v) {
  if (std::isnan(v)) {
    lua_pushnil(L);
  } else {
    lua_pushnumber(L, v);
  }
  lua_setfield(L, -2, key);
}

void set_string(lua_State* L, const char* key, std::string_view v) {
  lua_pushlstring(L, v.data(), v.size());
  lua_setfield(L, -2, key);
}

int new_ref(lua_State* L) {
  lua_newtable(L);
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

bool valid_code(std::string_view code) {
  if (code.empty() || code.size() > 64 || !(code[0] >= 'A' && code[0] <= 'Z')) return false;
  for (const char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

LuaRiskRule::LuaRiskRule(Limits limits)
    : m_sandbox(limits, 0), m_new_york(TimeZone::locate("America/New_York").value_or(TimeZone::utc())) {}

LuaRiskRule::~LuaRiskRule() = default;

Expected<std::unique_ptr<LuaRiskRule>> LuaRiskRule::load(const std::string& path,
                                                         const std::map<std::string, std::string>& overrides,
                                                         Limits limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return data_error(path + ": cannot read the risk rule file (does it exist?)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::unique_ptr<LuaRiskRule> rule(new LuaRiskRule(limits));
  rule->m_path = path;
  rule->m_source = text.str();
  AIOTS_TRY(rule->read_rule_table(overrides));
  return rule;
}

Expected<void> LuaRiskRule::read_rule_table(const std::map<std::string, std::string>& overrides) {
  lua_State* L = m_sandbox.state();
  const std::pair<const char*, lua_CFunction> globals[] = {
      {"halt", rule_halt}, {"reduce", rule_reduce}, {"pause", rule_pause}, {"print", rule_print}};
  for (const auto& [name, fn] : globals) {
    lua_pushlightuserdata(L, this);
    lua_pushcclosure(L, fn, 1);
    lua_setglobal(L, name);
  }
  if (auto r = m_sandbox.load(m_source, m_path); !r) return tl::unexpected(r.error());
  if (auto r = m_sandbox.call(0, 1); !r) return tl::unexpected(r.error());
  if (!lua_istable(L, -1)) {
    const std::string got = luaL_typename(L, -1);
    lua_pop(L, 1);
    return data_error(m_path + ": a risk rule file must return a table (got " + got + ")");
  }
  lua_getfield(L, -1, "name");
  if (!lua_isstring(L, -1)) {
    lua_pop(L, 2);
    return data_error(m_path + ": the risk rule table needs a string 'name'");
  }
  m_name = lua_tostring(L, -1);
  lua_pop(L, 1);
  int found = 0;
  for (auto [cb, ref] : {std::pair{"check_order", &m_check_ref}, std::pair{"on_fill", &m_fill_ref},
                         std::pair{"on_bar", &m_bar_ref}}) {
    lua_getfield(L, -1, cb);
    if (lua_isfunction(L, -1)) {
      *ref = luaL_ref(L, LUA_REGISTRYINDEX);
      ++found;
    } else if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
    } else {
      lua_pop(L, 2);
      return data_error(m_path + ": '" + cb + "' must be a function");
    }
  }
  if (found == 0) {
    lua_pop(L, 1);
    return data_error(m_path + ": a risk rule needs at least one of check_order, on_fill, on_bar");
  }
  auto declared = read_param_decls(L, m_path);
  lua_pop(L, 1);
  if (!declared) return tl::unexpected(declared.error());
  AIOTS_TRY_ASSIGN(values, resolve_param_values(*declared, overrides, m_name));
  m_values = std::move(values);
  lua_newtable(L);
  for (const auto& [key, value] : m_values) {
    push_param_value(L, value);
    lua_setfield(L, -2, key.c_str());
  }
  lua_setglobal(L, "params");
  m_account_ref = new_ref(L);
  m_order_ref = new_ref(L);
  m_fill_table_ref = new_ref(L);
  m_bar_table_ref = new_ref(L);
  lua_createtable(L, 0, 2);
  lua_pushlightuserdata(L, this);
  lua_pushcclosure(L, &LuaRiskRule::positions_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushlightuserdata(L, this);
  lua_pushcclosure(L, &LuaRiskRule::positions_pairs, 1);
  lua_setfield(L, -2, "__pairs");
  m_positions_meta_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return {};
}

void LuaRiskRule::push_position(lua_State* L, std::size_t i) const {
  const auto id = static_cast<SymbolId>(i);
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, m_portfolio->position(id).quantity);
  lua_setfield(L, -2, "qty");
  set_number(L, "price", m_portfolio->last_price(id));
  set_number(L, "value", m_portfolio->market_value(id).value());
}

int LuaRiskRule::positions_index(lua_State* L) {
  const LuaRiskRule* rule = rule_of(L);
  if (rule->m_portfolio == nullptr || lua_type(L, 2) != LUA_TSTRING) return 0;
  const char* key = lua_tostring(L, 2);
  const auto& instruments = rule->m_portfolio->instruments();
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    if (instruments[i].symbol == key) {
      rule->push_position(L, i);
      lua_pushvalue(L, 2);
      lua_pushvalue(L, -2);
      lua_rawset(L, 1);  // kept for the rest of this version of the account
      return 1;
    }
  }
  return 0;
}

int LuaRiskRule::positions_pairs(lua_State* L) {
  const LuaRiskRule* rule = rule_of(L);
  if (rule->m_portfolio != nullptr) {
    const auto& instruments = rule->m_portfolio->instruments();
    for (std::size_t i = 0; i < instruments.size() && i < rule->m_listed.size(); ++i) {
      if (!rule->m_listed[i]) continue;
      lua_pushstring(L, instruments[i].symbol.c_str());
      if (lua_rawget(L, 1) != LUA_TNIL) {
        lua_pop(L, 1);
        continue;
      }
      lua_pop(L, 1);
      lua_pushstring(L, instruments[i].symbol.c_str());
      rule->push_position(L, i);
      lua_rawset(L, 1);
    }
  }
  lua_getglobal(L, "next");
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

void LuaRiskRule::push_account(const risk::RuleContext& ctx) {
  lua_State* L = m_sandbox.state();
  if (ctx.version != 0 && ctx.version == m_account_version) {
    // Nothing changed since the last call (several orders in one bar): the table is current,
    // unless the rule wrote into it, which the manual forbids.
    lua_rawgeti(L, LUA_REGISTRYINDEX, m_account_ref);
    return;
  }
  m_account_version = ctx.version;
  const Portfolio& p = *ctx.portfolio;
  const risk::RiskEngine& r = *ctx.risk;
  const double equity = p.equity().value();
  const double sod = r.start_of_day_equity().value();
  const double peak = r.peak_equity().value();
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_account_ref);
  set_number(L, "time", static_cast<double>(ctx.now) / 1e9);
  const Timestamp local = m_new_york.utc_to_local(ctx.now);
  const std::int64_t minute = (local - day_number(local) * k_ns_per_day) / (60 * k_ns_per_second);
  set_number(L, "ny_minute", static_cast<double>(minute));
  set_number(L, "equity", equity);
  set_number(L, "cash", p.cash().value());
  set_number(L, "start_of_day_equity", sod);
  set_number(L, "peak_equity", peak);
  set_number(L, "day_pnl", equity - sod);
  set_number(L, "day_loss_pct", sod > 0 ? std::max(0.0, (sod - equity) / sod * 100) : 0.0);
  set_number(L, "drawdown_pct", peak > 0 ? std::max(0.0, (peak - equity) / peak * 100) : 0.0);
  set_number(L, "gross_exposure", p.gross_exposure().value());
  set_string(L, "state", risk::to_string(r.state()));
  set_string(L, "strategy", ctx.strategy);
  if (ctx.account != nullptr) {
    const PortfolioGreeks g = ctx.account->greeks();
    lua_createtable(L, 0, 4);
    set_number(L, "delta", g.delta);
    set_number(L, "gamma", g.gamma);
    set_number(L, "vega", g.vega);
    set_number(L, "theta", g.theta);
    lua_setfield(L, -2, "greeks");
  }
  // positions: a fresh table each version, its entries made when read (positions_index).
  m_portfolio = &p;
  const auto& instruments = p.instruments();
  if (m_listed.size() < instruments.size()) m_listed.resize(instruments.size(), false);
  double net = 0;
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto id = static_cast<SymbolId>(i);
    if (p.position(id).quantity == 0) continue;
    m_listed[i] = true;
    net += p.market_value(id).value();
  }
  lua_createtable(L, 0, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_positions_meta_ref);
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "positions");
  set_number(L, "net_exposure", net);
}

Expected<void> LuaRiskRule::call(int function_ref, int nargs, int nresults) {
  lua_State* L = m_sandbox.state();
  // The function goes below its arguments.
  lua_rawgeti(L, LUA_REGISTRYINDEX, function_ref);
  lua_insert(L, -(nargs + 1));
  return m_sandbox.call(nargs, nresults);
}

Expected<risk::RuleVerdict> LuaRiskRule::check_order(const OrderRequest& order, double reference_price,
                                                     const risk::RuleContext& ctx) {
  if (m_check_ref < 0) return risk::RuleVerdict{};
  lua_State* L = m_sandbox.state();
  const Instrument& inst = ctx.portfolio->instruments()[static_cast<std::size_t>(order.symbol)];
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_order_ref);
  set_string(L, "symbol", inst.symbol);
  set_string(L, "side", to_string(order.side));
  lua_pushinteger(L, static_cast<lua_Integer>(order.quantity));
  lua_setfield(L, -2, "qty");
  set_string(L, "type", to_string(order.type));
  set_number(L, "limit", order.limit);
  set_number(L, "stop", order.stop);
  set_number(L, "price", reference_price);
  set_number(L, "value", order.quantity * reference_price * inst.multiplier);
  set_string(L, "tag", order.tag);
  push_account(ctx);
  AIOTS_TRY(call(m_check_ref, 2, 3));
  risk::RuleVerdict v;
  if (lua_isboolean(L, -3) && lua_toboolean(L, -3) == 0) {
    v.allow = false;
    const char* code = lua_isstring(L, -2) ? lua_tostring(L, -2) : "";
    v.code = valid_code(code) ? code : std::string(risk::k_risk_rule_denied);
    v.message = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
    if (v.message.size() > 200) v.message.resize(200);
  } else if (!lua_isnil(L, -3) && !lua_isboolean(L, -3)) {
    const std::string got = luaL_typename(L, -3);
    lua_pop(L, 3);
    return data_error(m_path + ": check_order must return true, or false, CODE, message (got " + got + ")");
  }
  lua_pop(L, 3);
  return v;
}

Expected<void> LuaRiskRule::on_fill(const Fill& fill, const risk::RuleContext& ctx) {
  if (m_fill_ref < 0) return {};
  lua_State* L = m_sandbox.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_fill_table_ref);
  set_string(L, "symbol", ctx.portfolio->instruments()[static_cast<std::size_t>(fill.symbol)].symbol);
  set_string(L, "side", to_string(fill.side));
  lua_pushinteger(L, fill.quantity);
  lua_setfield(L, -2, "qty");
  set_number(L, "price", fill.price);
  set_number(L, "commission", fill.commission.value());
  set_number(L, "time", static_cast<double>(fill.ts) / 1e9);
  lua_pushinteger(L, fill.order_id);
  lua_setfield(L, -2, "order_id");
  push_account(ctx);
  return call(m_fill_ref, 2, 0);
}

Expected<void> LuaRiskRule::on_bar(SymbolId symbol, const Bar& bar, const risk::RuleContext& ctx) {
  if (m_bar_ref < 0) return {};
  lua_State* L = m_sandbox.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_bar_table_ref);
  set_string(L, "symbol", ctx.portfolio->instruments()[static_cast<std::size_t>(symbol)].symbol);
  set_number(L, "time", static_cast<double>(bar.ts) / 1e9);
  set_number(L, "open", bar.open);
  set_number(L, "high", bar.high);
  set_number(L, "low", bar.low);
  set_number(L, "close", bar.close);
  set_number(L, "volume", bar.volume);
  push_account(ctx);
  return call(m_bar_ref, 2, 0);
}

}  // namespace aiots::lua
