// aiots diff as a function: a strategy's live fills (from aiotsd's journal) against a backtest
// of the same period, fill by fill. The diff command prints it; a playbook's gate.diff holds its
// summary to requirements (deploy/check_mode).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "context.hpp"

namespace aiots::cli {

struct DiffOptions {
  std::string strategy;
  std::string from;
  std::string to;
  std::string archive;
  std::int64_t window = 3;
};

// The object aiots --json diff prints: strategy, file, period, code_matches, summary
// (backtest_fills, live_fills, identical, price, quantity, timing, missed, extra,
// slippage_cost, backtest_fees, live_fees, backtest_pnl, live_pnl) and the differences.
Expected<nlohmann::json> run_diff(const Context& ctx, const DiffOptions& o);

}  // namespace aiots::cli
