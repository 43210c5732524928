#include "live/risk_report_json.hpp"

#include <cmath>

namespace aiots {
namespace {

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

nlohmann::json risk_report_json(const risk::RiskReport& r, double equity, const std::string& benchmark,
                                std::size_t lookback) {
  nlohmann::json contributions = nlohmann::json::array();
  for (const risk::Contribution& c : r.contributions) {
    contributions.push_back({{"symbol", c.symbol},
                             {"value", c.value},
                             {"weight", number(c.weight)},
                             {"beta", number(c.beta)},
                             {"var95", number(c.var95)},
                             {"share_of_var", number(c.share_of_var)}});
  }
  const auto both = [&](double fraction) {
    return nlohmann::json{{"pct", number(fraction * 100)}, {"money", number(fraction * equity)}};
  };
  return {{"horizon", "1 bar"},
          {"lookback", lookback},
          {"observations", r.observations},
          {"equity", equity},
          {"historical", {{"var95", both(r.var95)}, {"var99", both(r.var99)}, {"es95", both(r.es95)}, {"es99", both(r.es99)}}},
          {"parametric",
           {{"var95", both(r.var95_normal)},
            {"var99", both(r.var99_normal)},
            {"es95", both(r.es95_normal)},
            {"es99", both(r.es99_normal)}}},
          {"positions",
           {{"var95", number(r.position_var95)},
            {"var99", number(r.position_var99)},
            {"observations", r.position_observations},
            {"contributions", contributions}}},
          {"exposure",
           {{"gross", r.gross},
            {"net", r.net},
            {"gross_pct", number(equity > 0 ? r.gross / equity * 100 : NAN)},
            {"net_pct", number(equity > 0 ? r.net / equity * 100 : NAN)}}},
          {"benchmark", benchmark},
          {"beta", number(r.beta)},
          {"holdings_beta", number(r.holdings_beta)}};
}

}  // namespace aiots
