// The risk report (engine/risk/risk_report) as JSON, the same for `aiots risk report` and the
// backtest's risk section: fractions of equity and money side by side.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/core/engine.hpp"
#include "engine/risk/risk_report.hpp"

namespace aiots {

nlohmann::json risk_report_json(const risk::RiskReport& r, double equity, const std::string& benchmark,
                                std::size_t lookback);

// The report of `engine`'s account: its equity curve, what it holds now with `closes_of` each
// held symbol's recent closes, and the benchmark's closes.
template <class ClosesOf>
risk::RiskReport engine_risk_report(const Engine& engine, ClosesOf&& closes_of, const std::string& benchmark,
                                    std::vector<double> benchmark_closes, std::size_t lookback) {
  risk::ReportInput in;
  for (const EquityPoint& p : engine.equity_curve()) in.equity.push_back(p.equity.value());
  in.current_equity = engine.portfolio().equity().value();
  const auto& instruments = engine.portfolio().instruments();
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto id = static_cast<SymbolId>(i);
    if (engine.portfolio().position(id).quantity == 0) continue;
    in.holdings.push_back({instruments[i].symbol, engine.portfolio().market_value(id).value(), closes_of(id)});
  }
  in.benchmark = benchmark;
  in.benchmark_closes = std::move(benchmark_closes);
  in.lookback = lookback;
  return risk::risk_report(in);
}

}  // namespace aiots
