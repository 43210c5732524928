// Value at risk and friends for `aiots risk report` and the backtest's risk section: historical
// and parametric (normal) VaR and expected shortfall at 95% and 99% from the account's equity
// returns, the position VaR of what is held now from its symbols' return covariance with each
// position's contribution, exposures, and betas to a benchmark. One-bar horizon; losses are
// positive fractions of equity. Quantiles are R's type 7 (linear between order statistics).
#pragma once

#include <string>
#include <vector>

namespace aiots::risk {

struct ReportInput {
  std::vector<double> equity;  // equity points, oldest first
  double current_equity = 0;
  struct Holding {
    std::string symbol;
    double value = 0;             // signed market value now
    std::vector<double> closes;   // its recent closes, oldest first
  };
  std::vector<Holding> holdings;
  std::string benchmark;
  std::vector<double> benchmark_closes;  // oldest first; its last close is at the equity's last point
  std::size_t lookback = 250;            // returns used, at most
};

struct Contribution {
  std::string symbol;
  double value = 0;
  double weight = 0;          // value / equity
  double beta = 0;            // to the benchmark (NaN without enough data)
  double var95 = 0;           // component VaR at 95%, money (they add up to position_var95)
  double share_of_var = 0;    // var95 / position_var95
};

struct RiskReport {
  std::size_t observations = 0;  // equity returns used
  double var95 = 0, var99 = 0, es95 = 0, es99 = 0;                          // historical
  double var95_normal = 0, var99_normal = 0, es95_normal = 0, es99_normal = 0;  // parametric
  double position_var95 = 0, position_var99 = 0;  // money, from current holdings
  double gross = 0, net = 0;                      // money
  double beta = 0;                                // equity returns to the benchmark's
  double holdings_beta = 0;                       // sum of weight x beta
  std::size_t position_observations = 0;
  std::vector<Contribution> contributions;
};

// R's quantile(x, p, type = 7) of `x` (sorted here); NaN for an empty x.
double quantile7(std::vector<double> x, double p);
RiskReport risk_report(const ReportInput& in);

}  // namespace aiots::risk
