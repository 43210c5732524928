#include "sweep/sweep_options.hpp"

#include "commands/commands.hpp"

namespace aiots::cli {

void add_definition_options(CLI::App* cmd, SweepOptions& o) {
  BacktestSpec& s = o.base;
  cmd->add_option("strategy", o.strategy, "Strategy file (.lua)");
  cmd->add_option("-d,--data", s.data, "Symbols in the store (comma-separated) or one CSV file: every run's data")
      ->delimiter(',');
  cmd->add_flag("--wide", s.wide, "The --data file has one close column per symbol");
  cmd->add_option("--symbols", o.symbols, "Run each of these symbols alone (comma-separated; from the store or --data)")
      ->delimiter(',');
  cmd->add_option("-g,--grid", o.grid, "Parameter axis NAME=LO..HI[:STEP] or NAME=V1,V2,... (repeatable)");
  cmd->add_option("--random", o.random, "Draw N random points of the axes instead of the whole grid");
  cmd->add_option("--seed", o.seed, "Seed of --random and of math.random in the strategy (default 0)");
  cmd->add_option("--walk-forward", o.walk_forward, "train=LEN,test=LEN[,step=LEN] (LEN: 30d, 12w, 6m, 2y)");
  cmd->add_option("--rank", o.rank, "Rank by sharpe (default), sortino, calmar, return, cagr, max_drawdown, ...");
  cmd->add_option("--where", o.where, "Keep runs passing METRIC OP NUMBER conditions, e.g. 'max_drawdown<=0.2 and trades>=5'");
  cmd->add_option("--top", o.top, "Show the best K runs (default 10; 0 = all)");
  cmd->add_option("-t,--timeframe", s.timeframe, "Timeframe of the stored symbols (default: finest)");
  cmd->add_option("--from", s.from, "First bar (YYYY-MM-DD or ISO 8601)");
  cmd->add_option("--to", s.to, "Last bar; a date alone includes that day");
  cmd->add_option("-p,--param", o.params, "Strategy parameter name=value for every run (repeatable)");
  cmd->add_option("--cash", s.cash, "Starting cash (default 100000)");
  cmd->add_option("--commission", s.commission, "none | per-share=R[,min=M][,max=X|X%] | percent=P");
  cmd->add_option("--slippage", s.slippage, "none | bps=N | ticks=N | range=F");
  cmd->add_option("--fill", s.fill, "Market orders fill at the next bar's open (open, default) or this bar's close");
  cmd->add_option("--volume-cap", s.volume_cap, "Fill at most this fraction of a bar's volume (0 = no cap)");
  cmd->add_option("--instructions", s.instructions, "Lua budget per callback, in steps (default 10000000; 0 = unmetered)");
  cmd->add_option("--memory-mb", s.memory_mb, "Lua memory cap in MiB per run (default 64)");
  add_risk_options(cmd, s, o.limits);
}

Expected<SweepDefinition> make_definition(const Context& ctx, const SweepOptions& o) {
  if (o.base.data.empty() && o.symbols.empty()) return usage_error("give --data or --symbols");
  if (o.grid.empty()) return usage_error("give at least one -g NAME=... axis to sweep");
  if (o.top < 0) return usage_error("--top must be 0 or more");
  SweepDefinition d;
  d.base = o.base;
  d.base.strategy_path = o.strategy;
  AIOTS_TRY_ASSIGN(params, parse_params(o.params));
  d.base.params = std::move(params);
  for (const std::string& item : o.grid) {
    const std::string name = item.substr(0, item.find('='));
    if (d.base.params.contains(name)) return usage_error(name + " is given by both -p and -g");
  }
  AIOTS_TRY_ASSIGN(limits, resolve_limits(ctx, o.limits));
  d.base.limits = std::move(limits);
  d.base.seed = o.seed;
  d.symbols = o.symbols;
  d.grid = o.grid;
  d.random = o.random;
  d.seed = o.seed;
  d.walk_forward = o.walk_forward;
  if (!d.walk_forward.empty()) AIOTS_TRY(parse_walk_forward(d.walk_forward));
  AIOTS_TRY_ASSIGN(rank, parse_rank(o.rank));
  d.rank = rank;
  AIOTS_TRY_ASSIGN(where, parse_where(o.where));
  d.where = std::move(where);
  d.top = o.top == 0 ? -1 : o.top;
  return d;
}

}  // namespace aiots::cli
