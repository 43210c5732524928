// Reconciliation: an account's journal (positions, cash, orders open at the broker) against
// what the broker says. A pure comparison; Runtime fetches the broker's side and acts on the
// verdict (aiots-brokers(7) RECONCILIATION).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adapters/brokers/venue.hpp"

namespace aiots {

struct BrokerSnapshot {
  std::vector<venue::VenuePosition> positions;
  std::vector<venue::VenueOrder> open_orders;
  venue::VenueAccount account;
};

struct ReconcileInput {
  std::string account;
  std::map<std::string, std::int64_t> journal_positions;  // symbol -> signed quantity
  double journal_cash = 0;
  // Client order ids open in the journal; true when still in transit (its absence at the
  // broker proves nothing yet).
  std::map<std::string, bool> journal_open;
  BrokerSnapshot broker;
  double position_tolerance = 0;  // shares per symbol
  double cash_tolerance = 1;
};

// {account, positions: [{symbol, journal, broker, difference}] (those that differ),
//  cash: {journal, broker, difference}, unknown_orders: [...] (open at the broker, not ours:
//  placed outside aiots), missing_orders: [...] (open in the journal, not at the broker),
//  differences, within_tolerance, summary}. Orders placed outside aiots are always beyond
//  tolerance; missing ones never are (the next poll settles them).
nlohmann::json reconcile_report(const ReconcileInput& in);

}  // namespace aiots
