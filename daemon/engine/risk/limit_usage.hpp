// How much of each limit an account uses now: the figures of `aiots risk status` and of the
// backtest's risk section ("daily loss 2.1% of 5.0%").
#pragma once

#include <string>
#include <vector>

#include "engine/risk/risk_engine.hpp"

namespace aiots::risk {

struct LimitUse {
  std::string name;    // the limit key (aiots-risk(1))
  double used = 0;     // in the limit's unit
  double limit = 0;    // 0: off
  std::string unit;    // "%", "orders", "units", "money"
  std::string detail;  // e.g. the symbol of the largest position
};

// Of `account` (every member's positions and open orders) against `limits` (the account's, or
// a strategy's with its overrides); loss, drawdown and margin always against the account's.
std::vector<LimitUse> limit_usage(const Account& account, const RiskLimits& limits);

// Buying power now: margin accounts equity / initial margin less the gross exposure held, cash
// accounts the cash (never negative).
double buying_power(const RiskLimits& limits, const Portfolio& portfolio);

}  // namespace aiots::risk
