// Reads option chain snapshots from CSV: one row per contract with the quote date, underlying,
// expiry, strike, type, bid, ask, last, volume and open interest, optionally the implied
// volatility, delta and the underlying's price. Column names of common exports are accepted
// (see aiots-options(1)); a contract symbol in OCC form (MSFT241220C00300000) stands in for
// missing underlying, expiry, type and strike columns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/options/chain.hpp"
#include "util/error.hpp"
#include "util/timezone.hpp"

namespace aiots {

struct ChainImportOptions {
  std::optional<std::string> underlying;  // for files without an underlying column (or to check it)
  std::optional<Timestamp> as_of;         // for files without a quote-date column
  TimeZone zone = TimeZone::utc();        // dates expire / are quoted at its 16:00; naive times are in it
  bool skip_invalid = false;              // drop bad rows (reported) instead of failing
};

struct ParsedChains {
  std::vector<options::ChainSnapshot> snapshots;  // by underlying, then time
  std::size_t rows_read = 0;
  std::vector<std::string> skipped;  // one message per dropped row ("source:line: ...")
  std::vector<std::string> ignored_columns;
};

// Parses `text` read from `source`. Any bad row is a data error naming source:line and the
// column, unless options.skip_invalid; a contract listed twice in one snapshot is always an error.
Expected<ParsedChains> parse_chain_csv(std::string_view text, const std::string& source,
                                       const ChainImportOptions& options);

}  // namespace aiots
