#include "backtest/stress_report.hpp"

#include <algorithm>
#include <cmath>

namespace aiots::cli {
namespace {

std::string when(Timestamp t, bool daily) { return format_time(t, daily && t % k_ns_per_day == 0); }

}  // namespace

nlohmann::json stress_report(const BacktestOutcome& out, const BacktestSpec& spec, const StressGate& gate) {
  const Engine& e = *out.engine;
  const auto& curve = e.equity_curve();
  const auto& invested = e.invested();
  const bool daily = out.timeframe.is_daily_or_longer();
  const Timestamp shock = out.shock_time.value_or(0);

  // The worst day from the shock on: start-of-day equity (the last equity of the day before)
  // against the lowest equity of the day.
  double worst = 0;
  Timestamp worst_day = shock;
  double start_of_day = 0;
  double peak = 0, trough_dd = 0;
  std::size_t first = curve.size();
  double previous = spec.cash;
  std::int64_t day = INT64_MIN;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const std::int64_t d = day_number(curve[i].ts);
    if (d != day) {
      day = d;
      start_of_day = previous;
    }
    const double eq = curve[i].equity.value();
    previous = eq;
    if (curve[i].ts < shock) continue;
    if (first == curve.size()) {
      first = i;
      peak = i > 0 ? curve[i - 1].equity.value() : spec.cash;
    }
    if (start_of_day > 0) {
      const double loss = (start_of_day - eq) / start_of_day * 100;
      if (loss > worst) {
        worst = loss;
        worst_day = curve[i].ts;
      }
    }
    peak = std::max(peak, eq);
    if (peak > 0) trough_dd = std::min(trough_dd, eq / peak - 1);
  }

  // The first halt on or after the shock, and when the account was flat after it.
  nlohmann::json halt = nullptr;
  nlohmann::json flat = nullptr;
  bool contained = false;
  for (const risk::RiskEvent& ev : e.risk_events()) {
    if (ev.scope != "account" || ev.to != "HALTED" || ev.ts < shock) continue;
    halt = {{"time", when(ev.ts, daily)}, {"code", ev.code}, {"detail", ev.detail}};
    const auto at = std::lower_bound(curve.begin(), curve.end(), ev.ts,
                                     [](const EquityPoint& p, Timestamp t) { return p.ts < t; });
    for (auto i = static_cast<std::size_t>(at - curve.begin()); i < curve.size(); ++i) {
      if (!invested[i]) {
        const auto bars = static_cast<std::int64_t>(i - static_cast<std::size_t>(at - curve.begin()));
        flat = {{"time", when(curve[i].ts, daily)},
                {"bars", bars},
                {"seconds", static_cast<double>(curve[i].ts - ev.ts) / 1e9}};
        contained = bars <= gate.flat_within;
        break;
      }
    }
    break;
  }
  const bool within = worst <= gate.max_loss_pct;
  const bool held = within || contained;
  std::string verdict;
  if (within) {
    verdict = "held: the worst daily loss stayed within the limit";
  } else if (contained) {
    verdict = "held: the loss passed the limit, and the account was halted and flat within " +
              std::to_string(gate.flat_within) + " bars";
  } else if (halt.is_null()) {
    verdict = "breached: the loss passed the limit and nothing halted the account";
  } else if (flat.is_null()) {
    verdict = "breached: the account halted but never got flat";
  } else {
    verdict = "breached: the account halted but took " + std::to_string(flat["bars"].get<std::int64_t>()) +
              " bars to get flat (more than " + std::to_string(gate.flat_within) + ")";
  }
  nlohmann::json denials = nlohmann::json::object();
  for (const auto& [code, n] : e.risk().denials()) denials[code] = n;
  return {{"strategy", out.result["strategy"]["name"]},
          {"symbols", out.symbols},
          {"scenarios", spec.scenarios},
          {"shock_time", out.shock_time ? nlohmann::json(when(*out.shock_time, daily)) : nlohmann::json(nullptr)},
          {"max_loss_pct", gate.max_loss_pct},
          {"flat_within_bars", gate.flat_within},
          {"worst_daily_loss_pct", std::round(worst * 100) / 100},
          {"worst_day", when(worst_day, daily)},
          {"max_drawdown_after_shock", trough_dd},
          {"halt", halt},
          {"flat", flat},
          {"denials", denials},
          {"final_equity", e.portfolio().equity().value()},
          {"status", out.result["status"]},
          {"held", held},
          {"verdict", verdict}};
}

}  // namespace aiots::cli
