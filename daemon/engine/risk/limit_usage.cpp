#include "engine/risk/limit_usage.hpp"

#include <cmath>
#include <map>

namespace aiots::risk {

double buying_power(const RiskLimits& limits, const Portfolio& portfolio) {
  if (limits.account == AccountKind::Cash) {
    return std::max(0.0, portfolio.cash().value());
  }
  return std::max(0.0, portfolio.equity().value() / (limits.initial_margin_pct / 100) -
                           portfolio.gross_exposure().value());
}

std::vector<LimitUse> limit_usage(const Account& account, const RiskLimits& limits) {
  const RiskLimits& L = limits;
  const Portfolio& portfolio = account.portfolio();
  const RiskLimits& A = account.limits();  // loss, drawdown and margin are the account's
  const double equity = portfolio.equity().value();
  const auto pct_of_equity = [&](double value) { return equity > 0 ? value / equity * 100 : 0.0; };
  std::vector<LimitUse> out;

  const double sod = account.risk_state().start_of_day.value();
  out.push_back({"daily_loss_pct", sod > 0 ? std::max(0.0, (sod - equity) / sod * 100) : 0.0, A.daily_loss_pct, "%",
                 "start of day " + std::to_string(static_cast<long long>(std::llround(sod)))});
  const double peak = account.risk_state().peak.value();
  out.push_back({"max_drawdown_pct", peak > 0 ? std::max(0.0, (peak - equity) / peak * 100) : 0.0, A.max_drawdown_pct,
                 "%", "peak " + std::to_string(static_cast<long long>(std::llround(peak)))});

  double largest = 0, net = 0;
  std::string largest_symbol;
  std::map<std::string, double> groups;
  std::int64_t largest_units = 0;
  const auto& instruments = portfolio.instruments();
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto id = static_cast<SymbolId>(i);
    const double value = portfolio.market_value(id).value();
    net += value;
    if (std::fabs(value) > largest) {
      largest = std::fabs(value);
      largest_symbol = instruments[i].symbol;
    }
    largest_units = std::max<std::int64_t>(largest_units, std::llabs(portfolio.position(id).quantity));
    const std::string& key =
        instruments[i].option ? instruments[static_cast<std::size_t>(instruments[i].option->underlying)].symbol
                              : instruments[i].symbol;
    if (auto g = L.groups.find(key); g != L.groups.end()) groups[g->second] += std::fabs(value);
  }
  out.push_back({"max_position_pct", pct_of_equity(largest), L.max_position_pct, "%", largest_symbol});
  out.push_back({"max_position_quantity", static_cast<double>(largest_units), L.max_position_quantity, "units", ""});
  double largest_group = 0;
  std::string largest_group_name;
  for (const auto& [name, value] : groups) {
    if (value > largest_group) {
      largest_group = value;
      largest_group_name = name;
    }
  }
  out.push_back({"max_group_pct", pct_of_equity(largest_group), L.max_group_pct, "%", largest_group_name});
  const double gross = portfolio.gross_exposure().value();
  out.push_back({"max_gross_exposure_pct", pct_of_equity(gross), L.max_gross_exposure_pct, "%", ""});
  out.push_back({"max_net_exposure_pct", pct_of_equity(std::fabs(net)), L.max_net_exposure_pct, "%", ""});
  out.push_back({"max_open_orders", static_cast<double>(account.open_order_count()), L.max_open_orders, "orders", ""});
  if (A.account == AccountKind::Margin) {
    // Equity as a percent of gross exposure: here the limit is a floor (a margin call below it).
    out.push_back({"maintenance_margin_pct", gross > 0 ? equity / gross * 100 : 0.0, A.maintenance_margin_pct, "%",
                   gross > 0 ? "equity / gross exposure, margin call below" : "no positions"});
  }
  out.push_back({"buying_power", buying_power(A, portfolio), 0, "money", std::string(to_string(A.account))});
  return out;
}

}  // namespace aiots::risk
