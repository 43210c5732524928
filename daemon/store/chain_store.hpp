// Option chain snapshots in the store (tables option_snapshots and option_quotes): written
// whole in one transaction, read back whole, listed, removed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <functional>
#include <map>

#include "engine/options/chain_source.hpp"
#include "util/timezone.hpp"
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

// The stored snapshots as a chain source for backtests: the latest snapshot at or before the
// time asked, read from the store when first needed (one per underlying kept), with IVs from
// its mids at the snapshot's spot (its own, else `spot_at`).
class StoredChains final : public options::ChainSource {
public:
  using SpotAt = std::function<double(const std::string& underlying, Timestamp at)>;
  // Lists the snapshots of `underlyings`; `db` must outlive the source.
  static Expected<std::unique_ptr<StoredChains>> open(Database& db, const std::vector<std::string>& underlyings,
                                                      TimeZone zone, double rate, double dividend, SpotAt spot_at,
                                                      bool cash_settled = false);
  // Snapshots listed, over all underlyings.
  std::size_t snapshots() const;

  const options::PricedChain* chain(const std::string& underlying, Timestamp now) override;
  Timestamp expiry_instant(std::int64_t local_day) const override;
  Timestamp bar_close(Timestamp bar_ts, Timeframe timeframe) const override;
  bool cash_settled() const override { return m_cash_settled; }
  double rate() const override { return m_rate; }
  double dividend() const override { return m_dividend; }

private:
  StoredChains(Database& db, TimeZone zone) : m_db(db), m_zone(std::move(zone)) {}
  struct Underlying {
    std::vector<Timestamp> times;  // ascending
    Timestamp cached_time = INT64_MIN;
    options::PricedChain cached;
  };
  Database& m_db;
  TimeZone m_zone;
  double m_rate = 0;
  double m_dividend = 0;
  bool m_cash_settled = false;
  SpotAt m_spot_at;
  std::map<std::string, Underlying> m_underlyings;
};

}  // namespace aiots
