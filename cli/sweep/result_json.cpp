#include "sweep/result_json.hpp"

#include <cmath>

namespace aiots::cli {
namespace {

double number(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : std::nan("");
}

}  // namespace

nlohmann::json metrics_to_json(const SweepMetrics& m) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& name : sweep_metric_names()) {
    const double v = sweep_metric(m, name);
    out[name] = name == "trades" ? nlohmann::json(m.trades) : (std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
  }
  return out;
}

SweepMetrics metrics_from_json(const nlohmann::json& m) {
  SweepMetrics out;
  out.total_return = number(m, "total_return");
  out.cagr = number(m, "cagr");
  out.sharpe = number(m, "sharpe");
  out.sortino = number(m, "sortino");
  out.calmar = number(m, "calmar");
  out.max_drawdown = number(m, "max_drawdown");
  out.volatility = number(m, "volatility");
  out.win_rate = number(m, "win_rate");
  out.profit_factor = number(m, "profit_factor");
  out.exposure = number(m, "exposure");
  out.final_equity = number(m, "final_equity");
  const auto trades = m.find("trades");
  out.trades = trades != m.end() && trades->is_number_integer() ? trades->get<std::int64_t>() : 0;
  return out;
}

nlohmann::json row_to_json(const SweepResultRow& r) {
  return {{"task", r.task},     {"fold", r.fold},     {"phase", r.phase}, {"symbol", r.symbol},
          {"params", nlohmann::json::parse(r.params)}, {"status", r.status}, {"error", r.error},
          {"metrics", metrics_to_json(r.metrics)}};
}

SweepResultRow row_from_json(const nlohmann::json& j) {
  SweepResultRow r;
  r.task = j.at("task").get<std::int64_t>();
  r.fold = j.at("fold").get<std::int64_t>();
  r.phase = j.at("phase").get<std::string>();
  r.symbol = j.at("symbol").get<std::string>();
  r.params = j.at("params").dump();
  r.status = j.at("status").get<std::string>();
  r.error = j.value("error", std::string());
  r.metrics = metrics_from_json(j.at("metrics"));
  return r;
}

}  // namespace aiots::cli
