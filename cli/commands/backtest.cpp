// aiots backtest STRATEGY.lua: one run of a Lua strategy over stored or file data.
#include <iostream>

#include "backtest/backtest_output.hpp"
#include "backtest/portfolio_file.hpp"
#include "commands/commands.hpp"
#include "output/atomic_file.hpp"
#include "report/html_report.hpp"
#include "config/config.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

struct BacktestOptions {
  BacktestSpec spec;
  std::vector<std::string> strategies;  // files, or one portfolio file
  std::vector<std::string> params;
  std::vector<std::string> limits;
  std::string trades;
  std::string equity;
  std::string orders;
  std::string report;
  bool no_record = false;
};

}  // namespace

Expected<std::map<std::string, std::string>> parse_params(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return usage_error("-p takes name=value, not " + quote_value(item));
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

void add_risk_options(CLI::App* cmd, BacktestSpec& spec, std::vector<std::string>& limits) {
  cmd->add_option("--limit", limits, "Risk limit KEY=VALUE over the defaults and --config's [risk] (repeatable; aiots-risk(1))");
  cmd->add_option("--risk", spec.risk_rules, "Lua risk rule (plugins/risk/*.lua), asked about every order (repeatable)");
  cmd->add_option("--risk-param", spec.risk_params, "Risk rule parameter RULE.KEY=VALUE (repeatable)");
}

Expected<std::vector<std::string>> resolve_limits(const Context& ctx, const std::vector<std::string>& flags) {
  risk::RiskLimits limits;
  if (!ctx.options.config.empty()) {
    AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
    AIOTS_TRY_ASSIGN(from_config, config.risk_limits("", ""));
    limits = std::move(from_config);
  }
  AIOTS_TRY(risk::apply_limits(limits, flags));
  std::vector<std::string> out;
  for (const auto& [key, value] : risk::describe(limits)) {
    out.push_back(key + "=" + value);
  }
  return out;
}

// The strategy a run lists under: its one strategy, or the names of several joined by '+'.
std::string run_strategy_label(const BacktestOutcome& out) {
  if (out.more.empty()) return out.strategy->name();
  std::string label = out.name;
  for (const BacktestMember& m : out.more) label += "+" + m.name;
  return label;
}

// Writes the outputs a run asked for and records it; shared with `runs rerun`.
Expected<std::int64_t> record_run(const Context& ctx, const BacktestOutcome& out) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  // A run's rows are appended once: a few MiB of page cache do, not the store's 64 MiB (a run of
  // a hundred thousand trades would otherwise hold them all in memory until it exits).
  AIOTS_TRY(store.db().exec("PRAGMA cache_size=-4096"));
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  std::string symbols;
  for (const std::string& s : out.symbols) {
    symbols += (symbols.empty() ? "" : ",") + s;
  }
  AIOTS_TRY_ASSIGN(id, insert_run(store.db(), RunRow{0, "", run_strategy_label(out), symbols,
                                                     out.result["status"].get<std::string>(), out.manifest.dump(),
                                                     out.result.dump()}));
  AIOTS_TRY_ASSIGN(trades, RunTradeInserter::open(store.db(), id));
  AIOTS_TRY(for_each_trade_row(out, [&](const RunTradeRow& row) { return trades.add(row); }));
  AIOTS_TRY(tx.commit());
  return id;
}

// The run's strategies: one or more .lua files (all trading in one account), or a portfolio file.
Expected<void> read_strategy_args(BacktestOptions& o, std::map<std::string, std::string> params) {
  std::vector<StrategyEntry> entries;
  if (o.strategies.size() == 1 && o.strategies[0].ends_with(".toml")) {
    AIOTS_TRY_ASSIGN(portfolio, read_portfolio_file(o.strategies[0]));
    entries = std::move(portfolio);
  } else {
    for (const std::string& file : o.strategies) {
      if (file.ends_with(".toml")) {
        return usage_error(file + ": a portfolio file is the only strategy argument when given");
      }
      entries.push_back(StrategyEntry{file, "", {}});
    }
  }
  o.spec.strategy_path = entries.front().path;
  o.spec.strategy_name = entries.front().name;
  o.spec.params = entries.front().params;
  for (auto& [k, v] : params) o.spec.params[k] = v;  // -p over the portfolio file's
  o.spec.more_strategies.assign(entries.begin() + 1, entries.end());
  return {};
}

Expected<void> run_backtest_command(const Context& ctx, BacktestOptions& o) {
  AIOTS_TRY_ASSIGN(params, parse_params(o.params));
  AIOTS_TRY(read_strategy_args(o, std::move(params)));
  AIOTS_TRY_ASSIGN(limits, resolve_limits(ctx, o.limits));
  o.spec.limits = std::move(limits);
  AIOTS_TRY_ASSIGN(format, ctx.format());
  RunOptions keep;
  keep.keep_equity_curve = !o.equity.empty();
  keep.keep_order_log = !o.orders.empty();
  AIOTS_TRY_ASSIGN(out, run_backtest(ctx, o.spec, keep));
  if (!o.trades.empty()) AIOTS_TRY(write_trades_csv(o.trades, out));
  if (!o.equity.empty()) AIOTS_TRY(write_equity_csv(o.equity, out));
  if (!o.orders.empty()) AIOTS_TRY(write_orders_csv(o.orders, out));
  if (!o.report.empty()) {
    AIOTS_TRY(write_atomically(o.report, [&](std::ostream& os) -> Expected<void> {
      os << render_html_report(out);
      return {};
    }));
  }
  if (format == OutputFormat::Json) {
    std::cout << out.result.dump(2) << '\n';
  } else if (!ctx.options.quiet) {
    print_summary(std::cout, out);
  }
  if (!o.no_record) {
    AIOTS_TRY_ASSIGN(id, record_run(ctx, out));
    if (!ctx.options.quiet) {
      std::cerr << "aiots: backtest: recorded as run " << id << " (aiots runs show " << id << ")\n";
    }
  }
  if (out.result["status"] != "completed") {
    return runtime_error("strategy stopped: " + out.result["error"].get<std::string>());
  }
  return {};
}

void setup_backtest(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<BacktestOptions>();
  BacktestSpec& s = o->spec;
  CLI::App* cmd = app.add_subcommand("backtest", "Run a Lua strategy over stored bars or a CSV file");
  cmd->add_option("strategy", o->strategies,
                  "Strategy file (.lua); several trade in one account (or one portfolio file, .toml)")
      ->required();
  cmd->add_option("-d,--data", s.data, "Symbols in the store (comma-separated) or one CSV file")
      ->required()
      ->delimiter(',');
  cmd->add_flag("--wide", s.wide, "The --data file has one close column per symbol");
  cmd->add_option("-t,--timeframe", s.timeframe, "Timeframe of the stored symbols (default: finest)");
  cmd->add_option("--from", s.from, "First bar (YYYY-MM-DD or ISO 8601)");
  cmd->add_option("--to", s.to, "Last bar; a date alone includes that day");
  cmd->add_option("-p,--param", o->params,
                  "Strategy parameter name=value (repeatable); with several strategies NAME.name=value for strategy NAME");
  cmd->add_option("--cash", s.cash, "Starting cash (default 100000)");
  cmd->add_option("--commission", s.commission, "none | per-share=R[,min=M][,max=X|X%] | per-contract=R | percent=P");
  cmd->add_option("--slippage", s.slippage, "none | bps=N | ticks=N | range=F");
  cmd->add_option("--fill", s.fill, "Market orders fill at the next bar's open (open, default) or this bar's close");
  cmd->add_option("--volume-cap", s.volume_cap, "Fill at most this fraction of a bar's volume (0 = no cap)");
  cmd->add_option("--seed", s.seed, "Seed of math.random in the strategy (default 0)");
  cmd->add_option("--instructions", s.instructions, "Lua budget per callback, in steps: calls and loop iterations (default 10000000; 0 = unmetered)");
  cmd->add_option("--memory-mb", s.memory_mb, "Lua memory cap in MiB (default 64)");
  cmd->add_option("--chains", s.chains, "Option chains for ctx:chain and option orders: none (default), store, synth[:SEED]");
  cmd->add_option("--sentiment", s.sentiment, "News sentiment for ctx:sentiment: none (default) or store (aiots data fetch-news)")
      ->check(CLI::IsMember({"none", "store"}));
  cmd->add_option("--option-commission", s.option_commission, "Commission of option fills, e.g. per-contract=0.65 (default none)");
  cmd->add_option("--settlement", s.settlement, "In-the-money options at expiry: physical (deliver the underlying, default) or cash");
  cmd->add_option("--rate", s.rate, "Risk-free rate options are priced with (default 0)");
  cmd->add_option("--div", s.div, "Dividend yield options are priced with (default 0)");
  add_risk_options(cmd, s, o->limits);
  cmd->add_option("--benchmark", s.benchmark, "Symbol the risk report's betas are to (default: the first data symbol)");
  cmd->add_option("--var-lookback", s.var_lookback, "Returns the risk report's VaR and betas use (default 250)");
  cmd->add_option("--trades", o->trades, "Write the trades as CSV");
  cmd->add_option("--equity", o->equity, "Write the equity curve as CSV");
  cmd->add_option("--orders", o->orders, "Write every order event as CSV");
  cmd->add_option("--report", o->report, "Write a self-contained HTML report");
  cmd->add_flag("--no-record", o->no_record, "Do not record the run in the store");
  cmd->callback([&ctx, o] {
    ctx.command_name = "backtest";
    ctx.action = [&ctx, o] { return run_backtest_command(ctx, *o); };
  });
}

}  // namespace aiots::cli
