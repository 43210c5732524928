// The parts of deployments that are not the runtime's: figures, and helpers the runtime's
// deployment files share (live/runtime_deploy*.cpp).
#include "live/deployment.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "live/runtime.hpp"

namespace aiots {

using json = nlohmann::json;

std::string deploy_wall_time() {
  const Timestamp now = wall_clock_now();
  return format_time(now - now % k_ns_per_second);
}

std::string deploy_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }


std::map<std::string, std::string> deploy_params(const json& args) {
  std::map<std::string, std::string> out;
  if (args.contains("params")) {
    const json& given = args["params"];
    for (const auto& [k, v] : given.items()) out[k] = deploy_text(v);
  }
  return out;
}

json step_failed(std::string reason, json extra) {
  extra["passed"] = false;
  extra["reason"] = std::move(reason);
  return extra;
}

bool slot_is_flat(const StrategySlot& slot) {
  for (const Position& p : slot.engine->portfolio().positions()) {
    if (p.quantity != 0) return false;
  }
  return slot.engine->broker().open_orders().empty();
}

json positions_of(const StrategySlot& slot) {
  json out = json::array();
  const auto& positions = slot.engine->portfolio().positions();
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i].quantity != 0) out.push_back({{"symbol", slot.names()[i]}, {"qty", positions[i].quantity}});
  }
  return out;
}

double decision_agreement(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() && b.empty()) return 1.0;
  std::vector<std::string> x = a, y = b;
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  std::vector<std::string> both;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(both));
  const double either = static_cast<double>(x.size() + y.size() - both.size());
  return static_cast<double>(both.size()) / either;
}

void CanaryWatch::add(double equity) {
  last = equity;
  peak = std::max(peak, equity);
  if (peak > 0) max_drawdown = std::max(max_drawdown, (peak - equity) / peak);
  ++bars;
}

const std::vector<std::string>& canary_metrics() {
  static const std::vector<std::string> names = {"max_drawdown", "pnl", "return", "trades", "bars"};
  return names;
}

}  // namespace aiots
