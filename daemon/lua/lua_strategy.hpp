// A strategy written in Lua: loads the plugin file into its own sandbox, checks its declared
// parameters against the run's overrides, and bridges engine callbacks to the Lua API of
// plugins/prelude/aiots.lua (documented in aiots-lua(7)).
#pragma once

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/core/strategy.hpp"
#include "lua/plugin_params.hpp"
#include "lua/sandbox.hpp"

namespace aiots::lua {


class LuaStrategy;

// One contract of ctx:chain, as plain values (missing numbers are NaN, left out in Lua).
struct ContractView {
  std::string symbol, type, expiry_date;
  double expiry = NAN, days = NAN, strike = NAN, bid = NAN, ask = NAN, mid = NAN, last = NAN, volume = NAN,
         open_interest = NAN, iv = NAN, value = NAN, delta = NAN, gamma = NAN, vega = NAN, theta = NAN;
};

// Adds the option primitives (option_bindings.cpp) to the raw table on the stack top.
void add_option_bindings(lua_State* L, LuaStrategy* strategy);
// The strategy a binding is bound to (its first upvalue).
LuaStrategy* bound_strategy(lua_State* L);
// Pushes the table of raw bindings (strategy_bindings.cpp), each bound to `strategy`.
void push_strategy_bindings(lua_State* L, LuaStrategy* strategy);
// Pushes print(), which writes to the strategy's log.
void push_print_binding(lua_State* L, LuaStrategy* strategy);

class LuaStrategy final : public Strategy {
public:
  // Loads the plugin at `path` for a run over `symbols`, with `overrides` from -p name=value.
  // A missing file, syntax error or bad table is a data error with file:line; an unknown or
  // ill-typed override is a usage error listing the valid parameters.
  static Expected<std::unique_ptr<LuaStrategy>> load(const std::string& path, const std::vector<std::string>& symbols,
                                                     const std::map<std::string, std::string>& overrides,
                                                     Limits limits, std::uint64_t seed);
  ~LuaStrategy() override;

  const std::string& name() const { return m_name; }
  const std::string& version() const { return m_version; }
  const std::string& path() const { return m_path; }
  const std::string& source() const { return m_source; }
  const std::vector<ParamDecl>& declared() const { return m_declared; }
  // The parameter values of this run, defaults filled in, ordered by name.
  const std::map<std::string, ParamValue>& values() const { return m_values; }
  std::size_t memory_used() const { return m_sandbox.memory_used(); }
  // Returns ctx.state as JSON, or a data error naming what cannot be saved.
  Expected<nlohmann::json> export_state();
  // Replaces ctx.state with `state` (before on_start, so on_start can read it); a data error
  // when it nests too deep or does not fit the memory cap.
  Expected<void> import_state(const nlohmann::json& state);

  Expected<void> on_start(StrategyContext& ctx) override;
  Expected<void> on_bar(StrategyContext& ctx, SymbolId symbol, const Bar& bar) override;
  Expected<void> on_order(StrategyContext& ctx, const OrderEvent& event, const Order& order) override;
  Expected<void> on_fill(StrategyContext& ctx, const Fill& fill) override;
  Expected<void> on_stop(StrategyContext& ctx) override;

  // Used by the C bindings.
  StrategyContext* context() const { return m_ctx; }
  // Keeps the Lua table of an indicator handle (on the stack top) to refresh before on_bar.
  void add_handle(SymbolId symbol, std::size_t handle, std::size_t width);
  const std::vector<std::string>& symbols() const { return m_symbols; }
  // Storage that outlives a binding call, for results pushed after the C++ work is done.
  std::string& scratch_text() { return m_scratch_text; }
  std::vector<OrderId>& scratch_ids() { return m_scratch_ids; }
  std::vector<ContractView>& scratch_contracts() { return m_scratch_contracts; }
  // Records the name of symbol `id` (an option contract added mid-run) for callbacks.
  void note_symbol(SymbolId id, std::string name);
  // The symbols the run started with (indicators and on_bar are theirs alone).
  std::size_t data_symbol_count() const { return m_handles.size(); }

private:
  LuaStrategy(Limits limits, std::uint64_t seed) : m_sandbox(limits, seed) {}
  Expected<void> read_plugin_table();
  Expected<void> resolve_params(const std::map<std::string, std::string>& overrides);
  Expected<void> start_prelude(std::uint64_t seed);
  Expected<void> dispatch(int nargs);
  Error located(Error e) const;

  Sandbox m_sandbox;
  std::string m_path;
  std::string m_source;
  std::string m_name;
  std::string m_version;
  std::vector<std::string> m_symbols;
  std::vector<ParamDecl> m_declared;
  std::map<std::string, ParamValue> m_values;
  StrategyContext* m_ctx = nullptr;
  struct LuaHandle {
    std::size_t engine_handle = 0;
    std::size_t width = 0;
    int table_ref = -1;   // the handle table: .value
    int values_ref = -1;  // its .values array
  };
  std::vector<std::vector<LuaHandle>> m_handles;  // per symbol
  std::string m_scratch_text;
  std::vector<OrderId> m_scratch_ids;
  std::vector<ContractView> m_scratch_contracts;
  bool m_has_on_order = false;
  int m_strategy_ref = -1;
  int m_ctx_ref = -1;
  int m_start_ref = -1, m_bar_ref = -1, m_fill_ref = -1, m_order_ref = -1, m_stop_ref = -1;
};

}  // namespace aiots::lua
