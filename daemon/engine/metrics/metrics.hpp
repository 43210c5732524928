// Performance metrics of an equity curve and its trades.
//
// Conventions (those of the tseries/R oracle in tests/data/oracle-metrics): returns are simple
// daily returns of the last equity of each day; sd is the sample sd; annualisation by sqrt(252);
// Sharpe = mean/sd*sqrt(252) with no risk-free rate; Sortino = mean / sqrt(sum(min(r,0)^2)/n)
// * sqrt(252) (downside over all n returns, target 0); CAGR over calendar years of 365.25 days
// (and over n/252 years as cagr_252); max drawdown = min(E/peak - 1), trough its first minimum,
// peak the last running-max point before it, recovery the first later point back at the peak;
// Calmar = CAGR / |max drawdown|.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "engine/core/engine.hpp"

namespace aiots {

struct DrawdownInfo {
  double max_drawdown = 0;  // <= 0, a fraction
  std::size_t peak = 0;     // indices into the daily series
  std::size_t trough = 0;
  std::optional<std::size_t> recovery;
};

struct PerformanceMetrics {
  Timestamp start = 0;
  Timestamp end = 0;
  std::int64_t bars = 0;
  std::size_t days = 0;
  double initial_equity = 0;
  double final_equity = 0;
  double total_return = 0;
  double cagr = 0;
  double cagr_252 = 0;
  double volatility = 0;  // annualised
  double sharpe = 0;
  double sortino = 0;
  double calmar = 0;
  double max_drawdown = 0;
  Timestamp drawdown_peak = 0;
  Timestamp drawdown_trough = 0;
  std::optional<Timestamp> drawdown_recovery;
  double drawdown_days = 0;  // calendar days from peak to recovery (or to the end)
  std::size_t trades = 0;
  double win_rate = 0;
  std::optional<double> profit_factor;  // none without losing trades
  double average_win = 0;
  double average_loss = 0;
  double expectancy = 0;  // mean P&L per trade
  double exposure = 0;    // fraction of bars with a position
  double commissions = 0;
  std::size_t rejected_orders = 0;
  std::size_t signals = 0;
};

// The last (ts, value) of each UTC day of `curve`.
DailySeries daily_series(std::span<const EquityPoint> curve);

// Returns the drawdown of `values` by the conventions above.
DrawdownInfo max_drawdown(std::span<const double> values);

// Fills the return-based metrics (everything but trades, exposure and counts) from `daily`.
void compute_return_metrics(const DailySeries& daily, PerformanceMetrics& m);

// What a finished run's metrics are computed from: its equity at the end of each day, how many
// equity points it had and at how many anything was held, its round trips, and its counts.
struct RunRecord {
  const DailySeries& daily;
  std::size_t points = 0;
  std::int64_t invested_points = 0;
  std::int64_t bars = 0;
  std::span<const TradeRecord> trades;
  double commissions = 0;
  std::size_t rejected = 0;
  std::size_t signals = 0;
};
PerformanceMetrics compute_metrics(const RunRecord& run);
// Of one engine's run.
PerformanceMetrics compute_metrics(const Engine& engine);

}  // namespace aiots
