// The risk report (engine/risk/risk_report) as JSON, the same for `aiots risk report` and the
// backtest's risk section: fractions of equity and money side by side.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/core/engine.hpp"
#include "engine/risk/risk_report.hpp"

namespace aiots {

nlohmann::json risk_report_json(const risk::RiskReport& r, double equity, const std::string& benchmark,
                                std::size_t lookback);

// The report of the account `engine` trades in: its equity curve, what it holds now with
// `closes_of(symbol)` each held symbol's recent closes, and the benchmark's closes.
template <class ClosesOf>
risk::RiskReport account_risk_report(const Engine& engine, ClosesOf&& closes_of, const std::string& benchmark,
                                     std::vector<double> benchmark_closes, std::size_t lookback) {
  risk::ReportInput in;
  const risk::Account& account = engine.account();
  if (account.ever_shared()) {
    for (const risk::Account::Point& p : account.equity_curve()) in.equity.push_back(p.equity.value());
  } else {
    in.equity = engine.equity_history().recent_values(lookback + 1);
  }
  const Portfolio& book = account.portfolio();
  in.current_equity = book.equity().value();
  const auto& instruments = book.instruments();
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto id = static_cast<SymbolId>(i);
    if (book.position(id).quantity == 0) continue;
    in.holdings.push_back({instruments[i].symbol, book.market_value(id).value(), closes_of(instruments[i].symbol)});
  }
  in.benchmark = benchmark;
  in.benchmark_closes = std::move(benchmark_closes);
  in.lookback = lookback;
  return risk::risk_report(in);
}

}  // namespace aiots
