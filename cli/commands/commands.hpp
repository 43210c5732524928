// Each command lives in its own file as setup_<name>(parent, ctx): it declares its options and
// sets ctx.action to its run function when chosen. main.cpp only calls these.
#pragma once

#include <CLI/CLI.hpp>

#include "backtest/backtest_run.hpp"
#include "context.hpp"

namespace aiots::cli {

void setup_data(CLI::App& app, Context& ctx);
void setup_data_import(CLI::App& data, Context& ctx);
void setup_data_list(CLI::App& data, Context& ctx);
void setup_data_show(CLI::App& data, Context& ctx);
void setup_data_rm(CLI::App& data, Context& ctx);
void setup_data_resample(CLI::App& data, Context& ctx);
void setup_data_fetch(CLI::App& data, Context& ctx);
void setup_data_fetch_news(CLI::App& data, Context& ctx);
void setup_indicators(CLI::App& app, Context& ctx);
void setup_backtest(CLI::App& app, Context& ctx);
void setup_runs(CLI::App& app, Context& ctx);
void setup_daemon(CLI::App& app, Context& ctx);
void setup_strategy(CLI::App& app, Context& ctx);
void setup_feed(CLI::App& app, Context& ctx);
void setup_live_views(CLI::App& app, Context& ctx);
void setup_risk(CLI::App& app, Context& ctx);
void setup_stress(CLI::App& app, Context& ctx);
void setup_logs(CLI::App& app, Context& ctx);
void setup_config(CLI::App& app, Context& ctx);
void setup_doctor(CLI::App& app, Context& ctx);
void setup_options(CLI::App& app, Context& ctx);
void setup_backup(CLI::App& app, Context& ctx);
void setup_diff(CLI::App& app, Context& ctx);
void setup_sweep(CLI::App& app, Context& ctx);
void setup_deploy(CLI::App& app, Context& ctx);
void setup_reconcile(CLI::App& app, Context& ctx);
void setup_journal_stats(CLI::App& journal, Context& ctx);
void setup_journal_compact(CLI::App& journal, Context& ctx);

// What backtest and stress share: -p name=value items as a map (a usage error names a bad
// one), the risk options (--limit, --risk, --risk-param), and the limits in force from the
// defaults, --config's [risk] and --limit flags, as KEY=VALUE for the manifest.
Expected<std::map<std::string, std::string>> parse_params(const std::vector<std::string>& items);
void add_risk_options(CLI::App* cmd, BacktestSpec& spec, std::vector<std::string>& limits);
Expected<std::vector<std::string>> resolve_limits(const Context& ctx, const std::vector<std::string>& flags);

// Writes bars as rows (time, open, high, low, close, volume) to `writer`; daily and longer
// bars print their date alone. Shared by show, export and indicators.
std::vector<Cell> bar_cells(const Bar& bar, bool date_only);
std::vector<std::string> bar_columns();

}  // namespace aiots::cli
