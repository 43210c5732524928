#include "live/reconcile.hpp"

#include <cmath>
#include <set>

#include "util/format_number.hpp"

namespace aiots {

nlohmann::json reconcile_report(const ReconcileInput& in) {
  using json = nlohmann::json;
  json positions = json::array();
  std::map<std::string, std::int64_t> broker;
  for (const venue::VenuePosition& p : in.broker.positions) broker[p.symbol] += p.quantity;
  std::set<std::string> symbols;
  for (const auto& [s, q] : in.journal_positions) symbols.insert(s);
  for (const auto& [s, q] : broker) symbols.insert(s);
  bool beyond = false;
  std::vector<std::string> summary;
  for (const std::string& s : symbols) {
    const auto j = in.journal_positions.count(s) ? in.journal_positions.at(s) : 0;
    const auto b = broker.count(s) ? broker.at(s) : 0;
    if (j == b) continue;
    const std::int64_t diff = b - j;
    const bool over = static_cast<double>(std::llabs(diff)) > in.position_tolerance;
    beyond = beyond || over;
    positions.push_back({{"symbol", s}, {"journal", j}, {"broker", b}, {"difference", diff}, {"beyond_tolerance", over}});
    summary.push_back(s + " journal " + std::to_string(j) + " broker " + std::to_string(b));
  }
  const double cash_diff = in.broker.account.cash - in.journal_cash;
  const bool cash_over = std::fabs(cash_diff) > in.cash_tolerance;
  beyond = beyond || cash_over;
  if (cash_over) {
    summary.push_back("cash journal " + format_number(in.journal_cash) + " broker " + format_number(in.broker.account.cash));
  }
  json unknown = json::array();
  std::set<std::string> at_broker;
  for (const venue::VenueOrder& o : in.broker.open_orders) {
    at_broker.insert(o.client_id);
    if (in.journal_open.count(o.client_id) != 0) continue;
    unknown.push_back({{"venue_id", o.venue_id}, {"client_order_id", o.client_id}, {"symbol", o.symbol},
                       {"side", o.side == Side::Buy ? "buy" : "sell"}, {"qty", o.quantity}, {"filled", o.filled}});
    summary.push_back("order " + o.venue_id + " (" + o.symbol + ") placed outside aiots");
    beyond = true;
  }
  json missing = json::array();
  for (const auto& [client, transient] : in.journal_open) {
    if (!transient && at_broker.count(client) == 0) missing.push_back(client);
  }
  const std::size_t differences = positions.size() + (cash_over ? 1 : 0) + unknown.size() + missing.size();
  std::string text;
  for (const std::string& s : summary) text += (text.empty() ? "" : "; ") + s;
  return {{"account", in.account},
          {"positions", positions},
          {"cash", {{"journal", in.journal_cash}, {"broker", in.broker.account.cash}, {"difference", cash_diff}, {"beyond_tolerance", cash_over}}},
          {"broker_equity", in.broker.account.equity},
          {"broker_status", in.broker.account.status},
          {"unknown_orders", unknown},
          {"missing_orders", missing},
          {"differences", differences},
          {"within_tolerance", !beyond},
          {"summary", text.empty() ? std::string("in agreement") : text}};
}

}  // namespace aiots
