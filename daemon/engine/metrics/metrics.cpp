#include "engine/metrics/metrics.hpp"

#include <cmath>

namespace aiots {

DailySeries daily_series(std::span<const EquityPoint> curve) {
  DailySeries d;
  for (const EquityPoint& p : curve) d.add(p.ts, p.equity.value());
  return d;
}

DrawdownInfo max_drawdown(std::span<const double> v) {
  DrawdownInfo info;
  double peak = v.empty() ? 0 : v[0];
  for (std::size_t i = 0; i < v.size(); ++i) {
    peak = std::max(peak, v[i]);
    const double dd = v[i] / peak - 1;
    if (dd < info.max_drawdown) {
      info.max_drawdown = dd;
      info.trough = i;
    }
  }
  if (info.max_drawdown == 0) {
    return info;
  }
  double running = v[0];
  for (std::size_t i = 0; i <= info.trough; ++i) {
    running = std::max(running, v[i]);
  }
  for (std::size_t i = 0; i <= info.trough; ++i) {
    if (v[i] == running) {
      info.peak = i;
    }
  }
  for (std::size_t i = info.trough + 1; i < v.size(); ++i) {
    if (v[i] >= v[info.peak]) {
      info.recovery = i;
      break;
    }
  }
  return info;
}

void compute_return_metrics(const DailySeries& daily, PerformanceMetrics& m) {
  const auto& v = daily.value;
  m.days = v.size();
  if (v.empty()) {
    return;
  }
  m.start = daily.ts.front();
  m.end = daily.ts.back();
  m.initial_equity = v.front();
  m.final_equity = v.back();
  m.total_return = v.back() / v.front() - 1;
  const std::size_t n = v.size() - 1;
  if (n == 0) {
    return;
  }
  double sum = 0;
  double downside = 0;
  std::vector<double> r(n);
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = v[i + 1] / v[i] - 1;
    sum += r[i];
    downside += r[i] < 0 ? r[i] * r[i] : 0.0;
  }
  const double mean = sum / static_cast<double>(n);
  double ss = 0;
  for (double x : r) {
    ss += (x - mean) * (x - mean);
  }
  const double sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
  const double dd_dev = std::sqrt(downside / static_cast<double>(n));
  const double growth = v.back() / v.front();
  const double years_calendar = static_cast<double>(m.end - m.start) / k_ns_per_day / 365.25;
  m.volatility = sd * std::sqrt(252.0);
  m.sharpe = sd > 0 ? mean / sd * std::sqrt(252.0) : 0.0;
  m.sortino = dd_dev > 0 ? mean / dd_dev * std::sqrt(252.0) : 0.0;
  m.cagr_252 = std::pow(growth, 252.0 / static_cast<double>(n)) - 1;
  m.cagr = years_calendar > 0 ? std::pow(growth, 1 / years_calendar) - 1 : 0.0;
  const DrawdownInfo dd = max_drawdown(v);
  m.max_drawdown = dd.max_drawdown;
  m.drawdown_peak = daily.ts[dd.peak];
  m.drawdown_trough = daily.ts[dd.trough];
  if (dd.recovery) {
    m.drawdown_recovery = daily.ts[*dd.recovery];
  }
  const Timestamp until = dd.recovery ? daily.ts[*dd.recovery] : m.end;
  m.drawdown_days = dd.max_drawdown < 0 ? static_cast<double>(until - m.drawdown_peak) / k_ns_per_day : 0.0;
  m.calmar = dd.max_drawdown < 0 ? m.cagr / -dd.max_drawdown : 0.0;
}

PerformanceMetrics compute_metrics(const Engine& engine) {
  const EquityHistory& equity = engine.equity_history();
  return compute_metrics(RunRecord{equity.daily(), equity.size(), equity.invested_points(), engine.bars_processed(), engine.trades(),
                                   engine.portfolio().commissions().value(), engine.broker().rejected_count(),
                                   engine.signals().size()});
}

PerformanceMetrics compute_metrics(const RunRecord& run) {
  PerformanceMetrics m;
  compute_return_metrics(run.daily, m);
  m.bars = run.bars;
  m.exposure = run.points == 0 ? 0.0 : static_cast<double>(run.invested_points) / static_cast<double>(run.points);
  const auto& trades = run.trades;
  m.trades = trades.size();
  double wins = 0;
  double losses = 0;
  std::size_t n_wins = 0;
  std::size_t n_losses = 0;
  double total = 0;
  for (const TradeRecord& t : trades) {
    const double pnl = t.pnl.value();
    total += pnl;
    if (pnl > 0) {
      wins += pnl;
      ++n_wins;
    } else if (pnl < 0) {
      losses -= pnl;
      ++n_losses;
    }
  }
  if (!trades.empty()) {
    m.win_rate = static_cast<double>(n_wins) / static_cast<double>(trades.size());
    m.expectancy = total / static_cast<double>(trades.size());
  }
  m.average_win = n_wins > 0 ? wins / static_cast<double>(n_wins) : 0.0;
  m.average_loss = n_losses > 0 ? -losses / static_cast<double>(n_losses) : 0.0;
  if (losses > 0) {
    m.profit_factor = wins / losses;
  }
  m.commissions = run.commissions;
  m.rejected_orders = run.rejected;
  m.signals = run.signals;
  return m;
}

}  // namespace aiots
