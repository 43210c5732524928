// A backtest report as one self-contained HTML file: inline SVG charts (equity, drawdown, price
// with trade markers), monthly returns, metrics, parameters and data range. No network.
#pragma once

#include <string>

#include "backtest/backtest_run.hpp"

namespace aiots::cli {

// Returns the report of `out` as HTML text.
std::string render_html_report(const BacktestOutcome& out);

}  // namespace aiots::cli
