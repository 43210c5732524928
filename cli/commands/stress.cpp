// aiots stress STRATEGY.lua --data ... --scenario SPEC: a backtest on shocked history that says
// whether the risk limits held (exit 0) or were breached (exit 1), for cron and CI gates.
#include <fstream>
#include <iostream>

#include "backtest/stress_report.hpp"
#include "commands/commands.hpp"
#include "engine/risk/scenario.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {

namespace {

struct StressOptions {
  BacktestSpec spec;
  std::vector<std::string> params;
  std::vector<std::string> limits;
  std::vector<std::string> scenarios;
  double max_loss = -1;
  std::int64_t flat_within = 2;
};

// A scenario is a spec ("gap:-20%") or a file of them (one per line, # comments): the scenario
// library in examples/scenarios/.
Expected<std::vector<std::string>> expand_scenarios(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    const bool spec = item.rfind("gap:", 0) == 0 || item.rfind("crash:", 0) == 0 || item.rfind("vol:", 0) == 0 ||
                      item.rfind("flash-crash:", 0) == 0;
    if (spec) {
      out.push_back(item);
      continue;
    }
    std::ifstream in(item);
    if (!in) {
      return usage_error("--scenario " + quote_value(item) + ": neither a scenario (gap:-20%, crash:1987, vol:3x, "
                         "flash-crash:-9%/15m) nor a readable scenario file");
    }
    std::string line;
    int number = 0;
    const std::size_t before = out.size();
    while (std::getline(in, line)) {
      ++number;
      const std::size_t hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
      std::size_t lead = 0;
      while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t')) ++lead;
      line.erase(0, lead);
      if (line.empty()) continue;
      if (auto s = risk::parse_scenario(line); !s) {
        return usage_error(item + ":" + std::to_string(number) + ": " + s.error().message);
      }
      out.push_back(line);
    }
    if (out.size() == before) return usage_error(item + ": no scenario in the file");
  }
  return out;
}

std::string bars_text(std::int64_t n) { return std::to_string(n) + (n == 1 ? " bar" : " bars"); }

Expected<void> run_stress(const Context& ctx, StressOptions& o) {
  AIOTS_TRY_ASSIGN(params, parse_params(o.params));
  o.spec.params = std::move(params);
  AIOTS_TRY_ASSIGN(scenarios, expand_scenarios(o.scenarios));
  o.spec.scenarios = std::move(scenarios);
  AIOTS_TRY_ASSIGN(limits, resolve_limits(ctx, o.limits));
  o.spec.limits = std::move(limits);
  if (o.flat_within < 0) return usage_error("--flat-within must be 0 or more bars");
  StressGate gate;
  gate.flat_within = o.flat_within;
  if (o.max_loss >= 0) {
    if (!(o.max_loss > 0 && o.max_loss <= 100)) return usage_error("--max-loss must be a percent above 0 and at most 100");
    gate.max_loss_pct = o.max_loss;
  } else {
    // The daily loss limit in force, else 5%: a stress run always has a line to judge.
    risk::RiskLimits resolved;
    AIOTS_TRY(risk::apply_limits(resolved, o.spec.limits));
    gate.max_loss_pct = resolved.daily_loss_pct > 0 ? resolved.daily_loss_pct : 5;
  }
  AIOTS_TRY_ASSIGN(format, ctx.format());
  AIOTS_TRY_ASSIGN(out, run_backtest(ctx, o.spec, RunOptions{.keep_equity_curve = true}));
  const nlohmann::json r = stress_report(out, o.spec, gate);
  if (format == OutputFormat::Json) {
    std::cout << r.dump(2) << "\n";
  } else if (!ctx.options.quiet) {
    std::string symbols;
    for (const auto& s : r["symbols"]) symbols += (symbols.empty() ? "" : ",") + s.get<std::string>();
    std::string shocks;
    for (const auto& s : r["scenarios"]) shocks += (shocks.empty() ? "" : " + ") + s.get<std::string>();
    std::cout << "stress     " << r["strategy"].get<std::string>() << " on " << symbols << ": " << shocks << " at "
              << r["shock_time"].get<std::string>() << "\n";
    std::cout << "worst day  " << format_fixed(r["worst_daily_loss_pct"].get<double>(), 2) << "% loss on "
              << r["worst_day"].get<std::string>() << " (limit " << format_number(gate.max_loss_pct) << "%)\n";
    std::cout << "drawdown   " << format_fixed(r["max_drawdown_after_shock"].get<double>() * 100, 2)
              << "% from the shock on\n";
    if (r["halt"].is_null()) {
      std::cout << "halt       none\n";
    } else {
      std::cout << "halt       " << r["halt"]["time"].get<std::string>() << " " << r["halt"]["code"].get<std::string>() << " "
                << r["halt"]["detail"].get<std::string>() << "\n";
      std::cout << "flat       "
                << (r["flat"].is_null() ? std::string("never")
                                        : r["flat"]["time"].get<std::string>() + ", " +
                                              bars_text(r["flat"]["bars"].get<std::int64_t>()) + " after the halt")
                << "\n";
    }
    std::string codes;
    for (const auto& [code, n] : r["denials"].items()) {
      codes += (codes.empty() ? "" : ", ") + code + " " + std::to_string(n.get<std::int64_t>());
    }
    std::cout << "denied     " << (codes.empty() ? "none" : codes) << "\n";
    std::cout << "verdict    " << r["verdict"].get<std::string>() << "\n";
  }
  if (r["status"] != "completed") {
    return runtime_error("strategy stopped: " + out.result["error"].get<std::string>());
  }
  if (!r["held"].get<bool>()) {
    return runtime_error(r["verdict"].get<std::string>());
  }
  return {};
}

}  // namespace

void setup_stress(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<StressOptions>();
  BacktestSpec& s = o->spec;
  CLI::App* cmd = app.add_subcommand("stress", "Inject a shock into history and check that the risk limits held (exit 0) or not (1)");
  cmd->add_option("strategy", s.strategy_path, "Strategy file (.lua)")->required();
  cmd->add_option("-d,--data", s.data, "Symbols in the store (comma-separated) or one CSV file")->required()->delimiter(',');
  cmd->add_option("--scenario", o->scenarios, "gap:-20% | crash:1987|2008|2020 | vol:3x[/N] | flash-crash:-9%/15m | FILE (repeatable)")
      ->required();
  cmd->add_option("--at", s.scenario_at, "When the shock starts (default: the middle bar)");
  cmd->add_option("--max-loss", o->max_loss, "Loss limit to judge against, percent (default: daily_loss_pct in force, else 5)");
  cmd->add_option("--flat-within", o->flat_within, "Bars from the halt to flat that still count as contained (default 2)");
  add_risk_options(cmd, s, o->limits);
  cmd->add_flag("--wide", s.wide, "The --data file has one close column per symbol");
  cmd->add_option("-t,--timeframe", s.timeframe, "Timeframe of the stored symbols (default: finest)");
  cmd->add_option("--from", s.from, "First bar");
  cmd->add_option("--to", s.to, "Last bar");
  cmd->add_option("-p,--param", o->params, "Strategy parameter name=value (repeatable)");
  cmd->add_option("--cash", s.cash, "Starting cash (default 100000)");
  cmd->add_option("--commission", s.commission, "Commission model (as backtest)");
  cmd->add_option("--slippage", s.slippage, "Slippage model (as backtest)");
  cmd->add_option("--fill", s.fill, "Market orders fill at the next open (open) or this close (close)");
  cmd->callback([&ctx, o] {
    ctx.command_name = "stress";
    ctx.action = [&ctx, o] { return run_stress(ctx, *o); };
  });
}

}  // namespace aiots::cli
