// An option chain snapshot: every listed contract of one underlying at one instant, with its
// quotes, volume and open interest. Filled by the chain importer or the synthetic generator;
// read by chain analytics, the store and (later) strategies.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/options/black_scholes.hpp"
#include "util/time.hpp"

namespace aiots::options {

inline constexpr double k_missing = std::numeric_limits<double>::quiet_NaN();
// US equity options deliver 100 shares.
inline constexpr double k_contract_multiplier = 100.0;

struct OptionQuote {
  Timestamp expiry = 0;  // the instant of expiry (16:00 New York on the expiry date for US options)
  double strike = 0;
  OptionType type = OptionType::Call;
  double bid = k_missing;
  double ask = k_missing;
  double last = k_missing;
  double volume = k_missing;
  double open_interest = k_missing;
  double vendor_iv = k_missing;     // implied volatility as the source gave it, if any
  double vendor_delta = k_missing;  // delta as the source gave it, if any
};

struct ChainSnapshot {
  std::string underlying;
  Timestamp as_of = 0;       // when the quotes were taken
  double spot = k_missing;   // the underlying's price then, when the source gave it
  bool synthetic = false;    // made by synth-chain, never a market record
  std::string source;        // file name, or how the synthetic chain was made
  std::vector<OptionQuote> quotes;  // sorted by expiry, strike, type (call first)
};

// Orders quotes by expiry, strike, then call before put.
bool quote_order(const OptionQuote& a, const OptionQuote& b);

}  // namespace aiots::options
