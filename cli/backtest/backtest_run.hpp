// Runs one backtest from a spec: loads the data and the Lua strategy, drives the engine, and
// produces the deterministic result document. Shared by `aiots backtest` and `aiots runs rerun`.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "engine/core/bar_summary.hpp"
#include "engine/core/engine.hpp"
#include "engine/options/chain_source.hpp"
#include "lua/lua_risk_rule.hpp"
#include "lua/lua_strategy.hpp"

namespace aiots::cli {

class BarLibrary;

// A strategy of a run beside the first: its file, its name in the run and its parameters.
struct StrategyEntry {
  std::string path;
  std::string name;  // empty: the file's stem
  std::map<std::string, std::string> params;
};

// Everything that defines a run; stored as the run's manifest so it can be rerun.
struct BacktestSpec {
  std::string strategy_path;
  std::string strategy_name;  // its name in a run of several (empty: the file's stem)
  std::map<std::string, std::string> params;
  std::vector<std::string> data;  // stored symbols, or one CSV file
  bool wide = false;
  std::string timeframe;
  std::string from;
  std::string to;
  double cash = 100'000;
  std::string commission = "none";
  std::string slippage = "none";
  std::string fill = "open";
  double volume_cap = 0;
  std::uint64_t seed = 0;
  std::uint64_t instructions = 10'000'000;
  std::size_t memory_mb = 64;
  // Options: where chains come from (none, store, synth or synth:SEED), the commission of
  // option fills, and the rate and dividend yield options are priced with.
  std::string chains = "none";
  // News sentiment for ctx:sentiment: none (default) or store (aiots data fetch-news's articles).
  std::string sentiment = "none";
  std::string option_commission = "none";
  std::string settlement = "physical";  // or cash
  double rate = 0;
  double div = 0;
  // Risk limits as KEY=VALUE, applied in order over the defaults (aiots-risk(1)): those of
  // [risk] in --config, then --limit flags. The manifest keeps every key, so a rerun does not
  // depend on the configuration file or on later defaults.
  std::vector<std::string> limits;
  // Lua risk rules (plugins/risk/*.lua), asked about every order after the built-in checks, and
  // their parameters as RULE.KEY=VALUE (RULE: the rule's name).
  std::vector<std::string> risk_rules;
  std::vector<std::string> risk_params;
  // Stress scenarios (aiots stress) applied to every symbol's bars from `scenario_at` (empty:
  // the middle bar of the first symbol).
  std::vector<std::string> scenarios;
  std::string scenario_at;
  // The risk report's benchmark (a data symbol or a stored one; empty: the first data symbol)
  // and how many returns it uses.
  std::string benchmark;
  std::size_t var_lookback = 250;
  // More strategies trading in the same account as the first (aiots backtest A.lua B.lua, or a
  // portfolio file): each keeps its own ledger, all share the account's cash, positions, limits
  // and state. With several, -p NAME.KEY=VALUE in `params` goes to strategy NAME.
  std::vector<StrategyEntry> more_strategies;

  nlohmann::json to_json() const;
  static Expected<BacktestSpec> from_json(const nlohmann::json& j);
};

// A strategy of a run beside the first, with what it needs to run.
struct BacktestMember {
  std::string name;
  std::string path;
  std::unique_ptr<lua::LuaStrategy> strategy;
  std::vector<std::unique_ptr<lua::LuaRiskRule>> rules;  // its own instances
  std::unique_ptr<Engine> engine;
};

// Closed orders a backtest keeps at hand for ctx:order (every open one too); older ones are
// forgotten, so memory does not grow with the orders a long run places (aiots-lua(7)).
inline constexpr std::size_t k_backtest_order_history = 10'000;

// What a caller needs kept beyond the result: by default a run holds neither its bars nor every
// equity point (memory bounded by days, not bars), only summaries of both.
struct RunOptions {
  bool keep_bars = false;          // every bar of every series in `bars`
  bool keep_equity_curve = false;  // every equity point (an --equity export, stress)
  bool keep_order_log = false;     // every order event (an --orders export)
  // Bars already loaded (a sweep's workers share them): the spec's data names symbols of this
  // library, nothing is read from the store or files, and the manifest's bars hash is the
  // library's hash of each whole series (the sweep records it once).
  const BarLibrary* library = nullptr;
};

struct BacktestOutcome {
  std::unique_ptr<options::ChainSource> chains;  // outlives the engine that reads it
  nlohmann::json result;    // deterministic: no run id, no wall-clock time
  nlohmann::json manifest;  // spec + hashes + engine version
  std::unique_ptr<lua::LuaStrategy> strategy;
  std::vector<std::unique_ptr<lua::LuaRiskRule>> rules;  // outlive the engine that asks them
  std::unique_ptr<Engine> engine;
  std::vector<std::string> symbols;      // the data's symbols (one bar series each)
  std::vector<std::string> instruments;  // every instrument traded: the symbols, then option contracts
  std::vector<BarSummary> series;        // per symbol: its span, last closes, bars for a chart
  std::vector<std::vector<Bar>> bars;    // per symbol, only with RunOptions::keep_bars
  Timeframe timeframe;
  std::optional<Timestamp> shock_time;  // the first shocked bar, when the spec has scenarios
  // Several strategies: the others, the first's name in the run, and the account they share.
  std::vector<BacktestMember> more;
  std::string name;
  std::shared_ptr<risk::Account> account;

  // The run's equity curve and what was held at each point: the account's (every point only
  // with RunOptions::keep_equity_curve or several strategies).
  std::vector<EquityPoint> equity_curve() const;
  std::vector<bool> invested() const;
  // The curve for charts (every point, or a few thousand), and its first point followed by the
  // last of each day (month ends for monthly returns).
  std::vector<EquityPoint> chart_curve() const;
  std::vector<EquityPoint> daily_curve() const;
  // Every engine of the run, the first strategy's first.
  std::vector<const Engine*> engines() const;
};

// Runs `spec`. A strategy that fails mid-run still yields an outcome (status "stopped", the
// error in "error"); setup problems (missing file, bad params, no data) are errors.
Expected<BacktestOutcome> run_backtest(const Context& ctx, const BacktestSpec& spec, const RunOptions& options = {});

// Returns the hash of the bars a run used (their exact bytes, symbol by symbol).
std::string hash_bars(const std::vector<std::string>& symbols, const std::vector<std::vector<Bar>>& bars);

}  // namespace aiots::cli
