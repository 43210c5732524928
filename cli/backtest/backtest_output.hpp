// What a finished backtest writes: the summary people read, CSV exports, stored trade rows.
#pragma once

#include <functional>

#include <iosfwd>
#include <vector>

#include "backtest/backtest_run.hpp"
#include "store/runs_store.hpp"

namespace aiots::cli {

// Prints the at-a-glance summary of `out` to `os`.
void print_summary(std::ostream& os, const BacktestOutcome& out);

// Writes the trades, equity curve or order events of `out` as CSV, atomically.
Expected<void> write_trades_csv(const std::string& path, const BacktestOutcome& out);
Expected<void> write_equity_csv(const std::string& path, const BacktestOutcome& out);
Expected<void> write_orders_csv(const std::string& path, const BacktestOutcome& out);

// Returns the trades of `out` as rows for the runs table.
// Hands `visit` the run's trades as rows, in exit-time order, one at a time; stops at its first
// error.
Expected<void> for_each_trade_row(const BacktestOutcome& out, const std::function<Expected<void>(const RunTradeRow&)>& visit);

}  // namespace aiots::cli
