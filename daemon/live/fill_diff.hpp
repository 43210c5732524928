// Live against backtest, fill by fill: which fills both made (and how their prices, quantities
// and fees differ), which one made a bar or a few later (timing), which the backtest made and
// live did not (missed), and which live made alone (extra). aiots diff prints it; a deployment
// gate can judge it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/trading/portfolio.hpp"
#include "util/time.hpp"

namespace aiots {

// A fill by symbol name, as the journal and a backtest both give it.
struct NamedFill {
  Timestamp ts = 0;
  std::string symbol;
  bool buy = true;
  std::int64_t quantity = 0;
  double price = 0;
  double commission = 0;
};

struct FillDiffOptions {
  // How far apart (in bars of the fill's symbol) two fills of the same symbol, side and
  // quantity may be and still be the same decision made at a different time.
  std::int64_t window_bars = 3;
};

struct FillDifference {
  std::string kind;  // "price" | "quantity" | "timing" | "missed" | "extra"
  std::string symbol;
  bool buy = true;
  Timestamp backtest_ts = 0;  // 0: none (extra)
  Timestamp live_ts = 0;      // 0: none (missed)
  std::int64_t backtest_qty = 0;
  std::int64_t live_qty = 0;
  double backtest_price = 0;
  double live_price = 0;
  std::int64_t bars_late = 0;  // timing: live minus backtest, in bars
};

struct FillDiff {
  std::int64_t backtest_fills = 0;
  std::int64_t live_fills = 0;
  std::int64_t identical = 0;  // same time, quantity and price
  std::vector<FillDifference> differences;  // in time order
  // Over the fills both made: what live paid beyond the backtest (buys dearer, sells cheaper),
  // and the fees of each side.
  double slippage_cost = 0;
  double backtest_fees = 0;
  double live_fees = 0;
  std::int64_t count(std::string_view kind) const;
};

// Compares `live` with `backtest` (each in time order). `bar_times` gives, per symbol, the
// times of its bars in the period (to count bars between fills); a symbol without them counts
// every distinct fill time as a bar.
FillDiff diff_fills(const std::vector<NamedFill>& backtest, const std::vector<NamedFill>& live,
                    const std::map<std::string, std::vector<Timestamp>>& bar_times, const FillDiffOptions& options = {});

nlohmann::json to_json(const FillDifference& d);

// The equity that `fills` leave from `cash`, each position valued at its instrument's
// multiplier (an option contract: 100 shares) and the mark `marks` (the backtest's portfolio
// at the period's end) holds for it; a symbol `marks` never traded is valued at its last fill
// price (a contract named in OCC form still with the multiplier of its terms).
double mark_to_market(const std::vector<NamedFill>& fills, double cash, const Portfolio& marks);

}  // namespace aiots
