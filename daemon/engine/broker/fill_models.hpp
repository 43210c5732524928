// Slippage and commission models of the simulated broker, parsed from CLI specs.
#pragma once

#include <string>
#include <string_view>

#include "engine/bars/bar.hpp"
#include "engine/trading/money.hpp"
#include "engine/trading/order.hpp"
#include "util/error.hpp"

namespace aiots {

// Moves a liquidity-taking fill price against the trader: "none", "bps=N" (N basis points of
// the price), "ticks=N" (N instrument ticks) or "range=F" (F times the fill bar's high-low).
struct SlippageModel {
  enum class Kind { None, Bps, Ticks, Range } kind = Kind::None;
  double amount = 0;

  static Expected<SlippageModel> parse(std::string_view spec);
  // Returns `price` made worse for `side` by the model, kept inside the bar's range.
  double apply(double price, Side side, const Bar& bar, double tick_size) const;
  std::string describe() const;
};

// Commission per fill: "none", "per-share=R[,min=M][,max=X|X%]" (R per unit, at least M, at most
// X or X% of the notional), "per-contract=R" (R per contract), "percent=P" (P% of notional).
struct CommissionModel {
  enum class Kind { None, PerShare, PerContract, Percent } kind = Kind::None;
  double rate = 0;
  double min = 0;
  double max = 0;              // 0 = no cap
  bool max_is_percent = false;

  static Expected<CommissionModel> parse(std::string_view spec);
  Money compute(std::int64_t quantity, double price, double multiplier) const;
  std::string describe() const;
};

}  // namespace aiots
