#include "store/chain_store.hpp"

#include <algorithm>
#include <cmath>

#include "engine/options/expiry.hpp"
#include "engine/options/synthetic_chains.hpp"

namespace aiots {
namespace {

Expected<std::optional<std::int64_t>> find_snapshot(Database& db, const std::string& underlying, Timestamp ts) {
  AIOTS_TRY_ASSIGN(stmt, db.prepare("SELECT id FROM option_snapshots WHERE underlying = ?1 AND ts = ?2"));
  stmt.bind(1, underlying).bind(2, std::int64_t{ts});
  AIOTS_TRY_ASSIGN(row, stmt.step());
  if (!row) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{stmt.column_int(0)};
}

}  // namespace

Expected<std::int64_t> write_chain(Database& db, const options::ChainSnapshot& chain, bool replace) {
  AIOTS_TRY_ASSIGN(existing, find_snapshot(db, chain.underlying, chain.as_of));
  if (existing) {
    if (!replace) {
      return data_error("a chain of " + chain.underlying + " at " + format_time(chain.as_of) +
                        " is already stored; pass --replace to overwrite it");
    }
    AIOTS_TRY_ASSIGN(del, db.prepare("DELETE FROM option_snapshots WHERE id = ?1"));
    del.bind(1, *existing);
    AIOTS_TRY(del.run());
  }
  AIOTS_TRY_ASSIGN(insert, db.prepare(
      "INSERT INTO option_snapshots (underlying, ts, spot, synthetic, source) VALUES (?1, ?2, ?3, ?4, ?5)"));
  insert.bind(1, chain.underlying).bind(2, std::int64_t{chain.as_of}).bind(3, chain.spot)
      .bind(4, std::int64_t{chain.synthetic ? 1 : 0}).bind(5, chain.source);
  AIOTS_TRY(insert.run());
  const std::int64_t id = db.last_insert_id();
  AIOTS_TRY_ASSIGN(quote, db.prepare(
      "INSERT INTO option_quotes (snapshot_id, expiry, strike, type, bid, ask, last, volume, open_interest, "
      "vendor_iv, vendor_delta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  for (const options::OptionQuote& q : chain.quotes) {
    quote.bind(1, id).bind(2, std::int64_t{q.expiry}).bind(3, q.strike).bind(4, options::to_string(q.type))
        .bind(5, q.bid).bind(6, q.ask).bind(7, q.last).bind(8, q.volume).bind(9, q.open_interest)
        .bind(10, q.vendor_iv).bind(11, q.vendor_delta);
    AIOTS_TRY(quote.run());
  }
  return id;
}

Expected<std::vector<ChainSummary>> list_chains(Database& db, const std::optional<std::string>& underlying) {
  AIOTS_TRY_ASSIGN(stmt, db.prepare(
      "SELECT s.id, s.underlying, s.ts, s.spot, s.synthetic, s.source, COUNT(q.strike), COUNT(DISTINCT q.expiry), "
      "MIN(q.expiry), MAX(q.expiry) FROM option_snapshots s LEFT JOIN option_quotes q ON q.snapshot_id = s.id "
      "WHERE ?1 IS NULL OR s.underlying = ?1 GROUP BY s.id ORDER BY s.underlying, s.ts"));
  if (underlying) {
    stmt.bind(1, *underlying);
  } else {
    stmt.bind_null(1);
  }
  std::vector<ChainSummary> out;
  while (true) {
    AIOTS_TRY_ASSIGN(row, stmt.step());
    if (!row) break;
    ChainSummary s;
    s.id = stmt.column_int(0);
    s.underlying = stmt.column_text(1);
    s.as_of = stmt.column_int(2);
    s.spot = stmt.column_double(3);
    s.synthetic = stmt.column_int(4) != 0;
    s.source = stmt.column_text(5);
    s.contracts = stmt.column_int(6);
    s.expiries = stmt.column_int(7);
    s.first_expiry = stmt.column_int(8);
    s.last_expiry = stmt.column_int(9);
    out.push_back(std::move(s));
  }
  return out;
}

Expected<options::ChainSnapshot> load_chain(Database& db, const std::string& underlying, std::optional<Timestamp> at) {
  AIOTS_TRY_ASSIGN(find, db.prepare(
      "SELECT id, ts, spot, synthetic, source FROM option_snapshots WHERE underlying = ?1 AND ts <= ?2 "
      "ORDER BY ts DESC LIMIT 1"));
  find.bind(1, underlying).bind(2, at.value_or(INT64_MAX));
  AIOTS_TRY_ASSIGN(found, find.step());
  if (!found) {
    AIOTS_TRY_ASSIGN(all, list_chains(db, underlying));
    if (all.empty()) {
      return data_error("no option chain of " + underlying +
                        " in the store (import one with 'aiots options import' or make one with 'aiots options synth-chain')");
    }
    return data_error("no option chain of " + underlying + " at or before " + format_time(*at) + "; the first is at " +
                      format_time(all.front().as_of));
  }
  options::ChainSnapshot chain;
  const std::int64_t id = find.column_int(0);
  chain.underlying = underlying;
  chain.as_of = find.column_int(1);
  chain.spot = find.column_double(2);
  chain.synthetic = find.column_int(3) != 0;
  chain.source = find.column_text(4);
  AIOTS_TRY_ASSIGN(stmt, db.prepare(
      "SELECT expiry, strike, type, bid, ask, last, volume, open_interest, vendor_iv, vendor_delta FROM option_quotes "
      "WHERE snapshot_id = ?1 ORDER BY expiry, strike, type"));
  stmt.bind(1, id);
  while (true) {
    AIOTS_TRY_ASSIGN(row, stmt.step());
    if (!row) break;
    options::OptionQuote q;
    q.expiry = stmt.column_int(0);
    q.strike = stmt.column_double(1);
    q.type = stmt.column_text(2) == "call" ? options::OptionType::Call : options::OptionType::Put;
    q.bid = stmt.column_double(3);
    q.ask = stmt.column_double(4);
    q.last = stmt.column_double(5);
    q.volume = stmt.column_double(6);
    q.open_interest = stmt.column_double(7);
    q.vendor_iv = stmt.column_double(8);
    q.vendor_delta = stmt.column_double(9);
    chain.quotes.push_back(q);
  }
  return chain;
}

Expected<std::unique_ptr<StoredChains>> StoredChains::open(Database& db, const std::vector<std::string>& underlyings,
                                                            TimeZone zone, double rate, double dividend, SpotAt spot_at,
                                                            bool cash_settled) {
  std::unique_ptr<StoredChains> out(new StoredChains(db, std::move(zone)));
  out->m_cash_settled = cash_settled;
  out->m_rate = rate;
  out->m_dividend = dividend;
  out->m_spot_at = std::move(spot_at);
  for (const std::string& u : underlyings) {
    AIOTS_TRY_ASSIGN(list, list_chains(db, u));
    Underlying entry;
    for (const ChainSummary& c : list) entry.times.push_back(c.as_of);
    out->m_underlyings[u] = std::move(entry);
  }
  return out;
}

std::size_t StoredChains::snapshots() const {
  std::size_t n = 0;
  for (const auto& [name, u] : m_underlyings) n += u.times.size();
  return n;
}

Timestamp StoredChains::expiry_instant(std::int64_t local_day) const { return options::close_of_date(local_day, m_zone); }

Timestamp StoredChains::bar_close(Timestamp bar_ts, Timeframe timeframe) const {
  return options::bar_close_time(bar_ts, timeframe, m_zone);
}

const options::PricedChain* StoredChains::chain(const std::string& underlying, Timestamp now) {
  const auto it = m_underlyings.find(underlying);
  if (it == m_underlyings.end()) return nullptr;
  Underlying& u = it->second;
  const auto after = std::upper_bound(u.times.begin(), u.times.end(), now);
  if (after == u.times.begin()) return nullptr;
  const Timestamp at = *(after - 1);
  if (at == u.cached_time) return &u.cached;
  auto loaded = load_chain(m_db, underlying, at);
  if (!loaded) return nullptr;
  const double spot = std::isfinite(loaded->spot) && loaded->spot > 0 ? loaded->spot : m_spot_at(underlying, at);
  u.cached = options::price_chain(std::move(*loaded), options::ChainParams{spot, at, m_rate, m_dividend}, m_zone);
  u.cached_time = at;
  return &u.cached;
}

}  // namespace aiots
