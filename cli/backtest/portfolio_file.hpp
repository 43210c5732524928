// A portfolio file: several strategies that trade in one account in a backtest
// (aiots backtest PORTFOLIO.toml --data ...), each with its file, name and parameters:
//
//   [[strategy]]
//   file = "plugins/strategies/sma_crossover.lua"   # relative to the portfolio file
//   name = "fast"                                   # optional; default the file's stem
//   params = { fast = 5, slow = 20 }
#pragma once

#include <string>
#include <vector>

#include "backtest/backtest_run.hpp"

namespace aiots::cli {

// Reads `path`; errors name the file, the line and the field.
Expected<std::vector<StrategyEntry>> read_portfolio_file(const std::string& path);

}  // namespace aiots::cli
