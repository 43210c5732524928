// Option chain snapshots in the store (tables option_snapshots and option_quotes): written
// whole in one transaction, read back whole, listed, removed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/options/chain.hpp"
#include "store/database.hpp"

namespace aiots {

struct ChainSummary {
  std::int64_t id = 0;
  std::string underlying;
  Timestamp as_of = 0;
  double spot = options::k_missing;
  bool synthetic = false;
  std::string source;
  std::int64_t contracts = 0;
  std::int64_t expiries = 0;
  Timestamp first_expiry = 0;
  Timestamp last_expiry = 0;
};

// Writes `chain` (call inside a transaction). A snapshot of the same underlying and time is a
// data error unless `replace`, which deletes it first. Returns the snapshot id.
Expected<std::int64_t> write_chain(Database& db, const options::ChainSnapshot& chain, bool replace);

// Lists stored snapshots, of `underlying` only when given, by underlying then time.
Expected<std::vector<ChainSummary>> list_chains(Database& db, const std::optional<std::string>& underlying);

// Loads the snapshot of `underlying` taken at or before `at` (the latest when unset); a data
// error names the underlying and what is stored when there is none.
Expected<options::ChainSnapshot> load_chain(Database& db, const std::string& underlying, std::optional<Timestamp> at);

}  // namespace aiots
