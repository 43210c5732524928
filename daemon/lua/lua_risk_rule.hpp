// A risk rule written in Lua (plugins/risk/*.lua): its own sandbox with the same limits as a
// strategy, the engine's RiskRule seam on the C++ side. The rule sees plain tables (order,
// account, fill, bar) refreshed in place before each call, and acts through the globals halt(),
// reduce() and pause(); aiots-lua(7) RISK RULES documents the API.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/risk/risk_rule.hpp"
#include "lua/plugin_params.hpp"
#include "lua/sandbox.hpp"
#include "util/timezone.hpp"

namespace aiots::lua {

class LuaRiskRule final : public risk::RiskRule {
public:
  // Loads the rule at `path` with `overrides` of its declared params. A missing file, a syntax
  // error or a bad table is a data error with file:line; a bad override a usage error.
  static Expected<std::unique_ptr<LuaRiskRule>> load(const std::string& path,
                                                     const std::map<std::string, std::string>& overrides,
                                                     Limits limits);
  ~LuaRiskRule() override;

  const std::string& name() const override { return m_name; }
  const std::string& path() const { return m_path; }
  const std::string& source() const { return m_source; }
  const std::map<std::string, ParamValue>& values() const { return m_values; }
  // What the rule printed, in order (print()).
  const std::vector<std::string>& log_lines() const { return m_log; }

  Expected<risk::RuleVerdict> check_order(const OrderRequest& order, double reference_price,
                                          const risk::RuleContext& ctx) override;
  Expected<void> on_fill(const Fill& fill, const risk::RuleContext& ctx) override;
  Expected<void> on_bar(SymbolId symbol, const Bar& bar, const risk::RuleContext& ctx) override;
  std::vector<risk::RuleAction> take_actions() override { return std::exchange(m_actions, {}); }

  // Used by the C functions halt, reduce, pause and print. Both are bounded: host memory is not
  // under the sandbox's cap, so a rule looping on halt() or print() must not grow it without end.
  static constexpr std::size_t k_max_actions_per_call = 16;
  static constexpr std::size_t k_max_log_lines = 1000;
  bool add_action(risk::RuleAction action) {
    if (m_actions.size() >= k_max_actions_per_call) return false;
    m_actions.push_back(std::move(action));
    return true;
  }
  void add_log(std::string line) {
    if (m_log.size() >= k_max_log_lines) m_log.erase(m_log.begin(), m_log.begin() + k_max_log_lines / 2);
    if (line.size() > 1000) line.resize(1000);
    m_log.push_back(std::move(line));
  }

private:
  explicit LuaRiskRule(Limits limits);
  Expected<void> read_rule_table(const std::map<std::string, std::string>& overrides);
  // Refreshes the account table from `ctx` and pushes it.
  void push_account(const risk::RuleContext& ctx);
  Expected<void> call(int function_ref, int nargs, int nresults);

  Sandbox m_sandbox;
  std::string m_path;
  std::string m_source;
  std::string m_name;
  std::map<std::string, ParamValue> m_values;
  std::vector<risk::RuleAction> m_actions;
  std::vector<std::string> m_log;
  TimeZone m_new_york;
  int m_check_ref = -1, m_fill_ref = -1, m_bar_ref = -1;
  int m_account_ref = -1, m_order_ref = -1, m_fill_table_ref = -1, m_bar_table_ref = -1;
  std::vector<bool> m_listed;              // instruments held at some point (pairs() lists them)
  const Portfolio* m_portfolio = nullptr;  // of the account table's last refresh
  int m_positions_meta_ref = -1;

public:
  // account.positions is built lazily: an entry when a rule first reads it in this version of
  // the account (the first order of a bar need not pay for every position), all of them when it
  // iterates with pairs().
  static int positions_index(lua_State* L);
  static int positions_pairs(lua_State* L);
  // Pushes the {qty, price, value} table of instrument `i`.
  void push_position(lua_State* L, std::size_t i) const;

private:
  std::uint64_t m_account_version = 0;  // of the context the account table was built from
};

}  // namespace aiots::lua
