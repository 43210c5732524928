#include "lua/lua_strategy.hpp"

#include "lua/lua_json.hpp"

#include "util/format_number.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <lua.hpp>
#include <sstream>
#include "util/quote_value.hpp"

namespace aiots::lua {

extern const char* const k_prelude_source;


Expected<std::unique_ptr<LuaStrategy>> LuaStrategy::load(const std::string& path, const std::vector<std::string>& symbols,
                                                         const std::map<std::string, std::string>& overrides,
                                                         Limits limits, std::uint64_t seed) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return data_error(path + ": cannot read the strategy file (does it exist?)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::unique_ptr<LuaStrategy> s(new LuaStrategy(limits, seed));
  s->m_path = path;
  s->m_source = text.str();
  s->m_symbols = symbols;
  s->m_handles.resize(symbols.size());
  AIOTS_TRY(s->read_plugin_table());
  AIOTS_TRY(s->resolve_params(overrides));
  AIOTS_TRY(s->start_prelude(seed));
  return s;
}

LuaStrategy::~LuaStrategy() = default;

Error LuaStrategy::located(Error e) const {
  // Lua prefixes errors with "file:line:" when it knows the place; say the file otherwise.
  if (e.message.rfind(m_path + ":", 0) != 0 && e.message.find(".lua:") == std::string::npos) {
    e.message = m_path + ": " + e.message;
  }
  return e;
}

Expected<void> LuaStrategy::read_plugin_table() {
  lua_State* L = m_sandbox.state();
  // print goes to the run's log from the very first line of the file.
  push_print_binding(L, this);
  lua_setglobal(L, "print");
  if (auto r = m_sandbox.load(m_source, m_path); !r) {
    return tl::unexpected(located(r.error()));
  }
  if (auto r = m_sandbox.call(0, 1); !r) {
    return tl::unexpected(located(r.error()));
  }
  if (!lua_istable(L, -1)) {
    const std::string got = luaL_typename(L, -1);
    lua_pop(L, 1);
    return data_error(m_path + ": a strategy file must return a table (got " + got + ")");
  }
  lua_getfield(L, -1, "name");
  if (!lua_isstring(L, -1)) {
    lua_pop(L, 2);
    return data_error(m_path + ": the strategy table needs a string 'name'");
  }
  m_name = lua_tostring(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, -1, "version");
  m_version = lua_isstring(L, -1) ? lua_tostring(L, -1) : "0";
  lua_pop(L, 1);
  for (const char* cb : {"on_start", "on_bar", "on_order", "on_fill", "on_stop"}) {
    lua_getfield(L, -1, cb);
    const bool ok = lua_isnil(L, -1) || lua_isfunction(L, -1);
    if (std::string_view(cb) == "on_order") {
      m_has_on_order = lua_isfunction(L, -1);
    }
    lua_pop(L, 1);
    if (!ok) {
      lua_pop(L, 1);
      return data_error(m_path + ": '" + cb + "' must be a function");
    }
  }
  auto declared = read_param_decls(L, m_path);
  if (!declared) {
    lua_pop(L, 1);
    return tl::unexpected(declared.error());
  }
  m_declared = std::move(*declared);
  m_strategy_ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the strategy table
  return {};
}

Expected<void> LuaStrategy::resolve_params(const std::map<std::string, std::string>& overrides) {
  AIOTS_TRY_ASSIGN(values, resolve_param_values(m_declared, overrides, m_name));
  m_values = std::move(values);
  return {};
}

Expected<void> LuaStrategy::start_prelude(std::uint64_t seed) {
  lua_State* L = m_sandbox.state();
  if (auto r = m_sandbox.load(k_prelude_source, "aiots-prelude"); !r) {
    return tl::unexpected(r.error());
  }
  // raw: the thin bindings, each with this strategy as upvalue.
  push_strategy_bindings(L, this);
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_strategy_ref);
  lua_createtable(L, static_cast<int>(m_symbols.size()), 0);
  for (std::size_t i = 0; i < m_symbols.size(); ++i) {
    lua_pushstring(L, m_symbols[i].c_str());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_newtable(L);
  for (const auto& [key, value] : m_values) {
    push_param_value(L, value);
    lua_setfield(L, -2, key.c_str());
  }
  lua_pushinteger(L, static_cast<lua_Integer>(seed));
  if (auto r = m_sandbox.call(5, 2); !r) {
    return tl::unexpected(r.error());
  }
  m_ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);  // ctx, for ctx.state
  for (auto [name, ref] : {std::pair{"start", &m_start_ref}, std::pair{"bar", &m_bar_ref}, std::pair{"fill", &m_fill_ref},
                           std::pair{"order", &m_order_ref}, std::pair{"stop", &m_stop_ref}}) {
    lua_getfield(L, -1, name);
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  lua_pop(L, 1);
  return {};
}

Expected<nlohmann::json> LuaStrategy::export_state() {
  lua_State* L = m_sandbox.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_ctx_ref);
  lua_getfield(L, -1, "state");
  auto j = to_json(L, -1);
  lua_pop(L, 2);
  return j;
}

namespace {

struct ImportRequest {
  const nlohmann::json* state;
  int ctx_ref;
};

// Runs in a protected call: building the tables allocates, and a memory error must land in
// lua_pcall, not in Lua's panic handler.
int import_state_protected(lua_State* L) {
  const auto* request = static_cast<const ImportRequest*>(lua_touserdata(L, 1));
  lua_rawgeti(L, LUA_REGISTRYINDEX, request->ctx_ref);
  if (!push_json(L, *request->state)) {
    return luaL_error(L, "ctx.state nests deeper than %d levels (the limit)", k_max_table_depth);
  }
  lua_setfield(L, -2, "state");
  return 0;
}

}  // namespace

Expected<void> LuaStrategy::import_state(const nlohmann::json& state) {
  lua_State* L = m_sandbox.state();
  static const nlohmann::json k_empty = nlohmann::json::object();
  ImportRequest request{state.is_object() ? &state : &k_empty, m_ctx_ref};
  lua_pushcfunction(L, import_state_protected);
  lua_pushlightuserdata(L, &request);
  if (auto r = m_sandbox.call(1, 0); !r) {
    return data_error(m_path + ": cannot restore ctx.state: " + r.error().message);
  }
  return {};
}

void LuaStrategy::note_symbol(SymbolId id, std::string name) {
  if (static_cast<std::size_t>(id) >= m_symbols.size()) m_symbols.resize(static_cast<std::size_t>(id) + 1);
  m_symbols[static_cast<std::size_t>(id)] = std::move(name);
}

void LuaStrategy::add_handle(SymbolId symbol, std::size_t handle, std::size_t width) {
  lua_State* L = m_sandbox.state();
  LuaHandle h{handle, width, -1, -1};
  lua_getfield(L, -1, "values");                  // handle, values
  h.values_ref = luaL_ref(L, LUA_REGISTRYINDEX);  // handle
  h.table_ref = luaL_ref(L, LUA_REGISTRYINDEX);   // (empty)
  m_handles[static_cast<std::size_t>(symbol)].push_back(h);
}

Expected<void> LuaStrategy::dispatch(int nargs) {
  // The caller pushed the function, then its arguments.
  auto r = m_sandbox.call(nargs, 0);
  if (!r) {
    return tl::unexpected(located(r.error()));
  }
  return {};
}

Expected<void> LuaStrategy::on_start(StrategyContext& ctx) {
  m_ctx = &ctx;
  lua_State* L = m_sandbox.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_start_ref);
  return dispatch(0);
}

Expected<void> LuaStrategy::on_bar(StrategyContext& ctx, SymbolId symbol, const Bar& bar) {
  lua_State* L = m_sandbox.state();
  // Refresh the symbol's indicator handles through the C API, which the budget does
  // not count: cheaper than a Lua loop over them on every bar.
  for (const LuaHandle& h : m_handles[static_cast<std::size_t>(symbol)]) {
    const auto values = ctx.indicator_values(h.engine_handle);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h.table_ref);  // handle
    if (std::isnan(values[0])) {
      lua_pushnil(L);
    } else {
      lua_pushnumber(L, values[0]);
    }
    lua_setfield(L, -2, "value");  // handle
    lua_pop(L, 1);
    if (h.width > 1) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, h.values_ref);  // values
      for (std::size_t k = 0; k < h.width; ++k) {
        if (std::isnan(values[k])) {
          lua_pushnil(L);
        } else {
          lua_pushnumber(L, values[k]);
        }
        lua_rawseti(L, -2, static_cast<lua_Integer>(k + 1));
      }
      lua_pop(L, 1);
    }
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_bar_ref);
  lua_pushinteger(L, symbol + 1);
  lua_pushnumber(L, static_cast<double>(bar.ts) / 1e9);
  lua_pushnumber(L, bar.open);
  lua_pushnumber(L, bar.high);
  lua_pushnumber(L, bar.low);
  lua_pushnumber(L, bar.close);
  lua_pushnumber(L, bar.volume);
  return dispatch(7);
}

Expected<void> LuaStrategy::on_order(StrategyContext&, const OrderEvent& event, const Order& order) {
  if (!m_has_on_order) {
    return {};
  }
  lua_State* L = m_sandbox.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_order_ref);
  lua_pushinteger(L, event.order_id);
  lua_pushstring(L, std::string(to_string(event.kind)).c_str());
  lua_pushstring(L, event.reason.c_str());
  lua_pushinteger(L, order.request.symbol + 1);
  lua_pushstring(L, std::string(to_string(order.request.side)).c_str());
  lua_pushstring(L, std::string(to_string(order.request.type)).c_str());
  lua_pushinteger(L, order.quantity);
  lua_pushinteger(L, order.filled);
  lua_pushnumber(L, static_cast<double>(event.ts) / 1e9);
  return dispatch(9);
}

Expected<void> LuaStrategy::on_fill(StrategyContext& ctx, const Fill& fill) {
  lua_State* L = m_sandbox.state();
  const Position& pos = ctx.portfolio().position(fill.symbol);
  const double multiplier = ctx.portfolio().instruments()[static_cast<std::size_t>(fill.symbol)].multiplier;
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_fill_ref);
  lua_pushinteger(L, fill.symbol + 1);
  lua_pushinteger(L, fill.order_id);
  lua_pushstring(L, std::string(to_string(fill.side)).c_str());
  lua_pushinteger(L, fill.quantity);
  lua_pushnumber(L, fill.price);
  lua_pushnumber(L, fill.commission.value());
  lua_pushinteger(L, pos.quantity);
  lua_pushnumber(L, pos.average_price(multiplier));
  lua_pushnumber(L, ctx.portfolio().cash().value());
  lua_pushnumber(L, static_cast<double>(fill.ts) / 1e9);
  return dispatch(10);
}

Expected<void> LuaStrategy::on_stop(StrategyContext&) {
  lua_State* L = m_sandbox.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, m_stop_ref);
  return dispatch(0);
}

}  // namespace aiots::lua
