// Chain analytics: implied volatility and Greeks of every contract from its mid price, and the
// exposures traders read from a chain: gamma and delta exposure per strike and in total, the
// zero-gamma level, put/call ratios, max pain, unusual activity, the 25-delta skew per expiry
// and the at-the-money term structure.
//
// Dealer positioning: GEX and DEX are the exposures of option dealers (market makers) under a
// stated convention. The default, the one most published GEX figures use, is that dealers are
// long the open calls (customers write covered calls) and short the open puts (customers buy
// protection); `ShortAll` assumes customers bought everything. Units: GEX is dollars of delta
// the dealers must trade per 1% move of the underlying (gamma * OI * 100 * S^2 * 0.01); DEX is
// the dollar delta they hold (delta * OI * 100 * S).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "engine/options/chain.hpp"
#include "engine/options/implied_vol.hpp"

namespace aiots::options {

enum class DealerConvention { LongCallsShortPuts, ShortAll };
std::string_view to_string(DealerConvention convention);
std::optional<DealerConvention> parse_dealer_convention(std::string_view text);

struct ChainParams {
  double spot = 0;      // the underlying's price the analysis uses
  Timestamp now = 0;    // the instant year fractions count from (the snapshot's time)
  double rate = 0;      // continuously compounded
  double dividend = 0;  // continuous yield
  DealerConvention convention = DealerConvention::LongCallsShortPuts;
};

// Where a contract's volatility came from.
enum class PriceSource { Mid, Last, VendorIv, None };
std::string_view to_string(PriceSource source);

struct ContractMetrics {
  double years = 0;       // to expiry
  double price = k_missing;  // mid of bid and ask, else last; missing without either
  PriceSource source = PriceSource::None;
  IvStatus iv_status = IvStatus::InvalidInput;
  double iv = k_missing;  // missing when no volatility could be found
  double delta = k_missing, gamma = k_missing, vega = k_missing, theta = k_missing;
  double gex = 0;         // dealer gamma exposure, dollars per 1% move (0 without iv or OI)
  double dex = 0;         // dealer delta exposure, dollars
};

// The mid when both sides are quoted (bid may be 0) and not crossed, else the last trade.
double quote_price(const OptionQuote& quote, PriceSource& source);

// Analyses every contract of `chain` (same order as chain.quotes). European Black-Scholes
// implied volatility of the price, as chain vendors and GEX tools compute it; a vendor IV fills
// in where there is no price. Expired contracts (years <= 0) get status invalid_input.
std::vector<ContractMetrics> analyse_contracts(const ChainSnapshot& chain, const ChainParams& params);

struct StrikeExposure {
  double strike = 0;
  double call_gex = 0, put_gex = 0, gex = 0;
  double call_dex = 0, put_dex = 0, dex = 0;
  double call_oi = 0, put_oi = 0, call_volume = 0, put_volume = 0;
};

struct ExpiryStats {
  Timestamp expiry = 0;
  double years = 0;
  double forward = 0;
  double atm_iv = k_missing;       // at the forward, interpolated between out-of-the-money IVs
  double put_25d_iv = k_missing;   // at put delta -0.25, interpolated in delta
  double call_25d_iv = k_missing;  // at call delta +0.25
  double skew_25d = k_missing;     // put_25d_iv - call_25d_iv (> 0: puts richer, the equity norm)
  double max_pain = k_missing;     // the strike where option holders would collect least
  double gex = 0, dex = 0;
  double call_oi = 0, put_oi = 0, call_volume = 0, put_volume = 0;
  double pc_volume = k_missing, pc_oi = k_missing;  // puts / calls; missing when no calls
};

struct UnusualContract {
  std::size_t index = 0;  // into chain.quotes
  double ratio = 0;       // volume / max(open interest, 1)
};

struct ExposureOptions {
  double unusual_ratio = 1.5;  // volume / open interest at or above this ...
  double unusual_min_volume = 100;  // ... with at least this volume
  double zero_gamma_range = 0.25;   // look for the flip within spot * (1 +- this)
};

struct ExposureReport {
  double gex = 0, dex = 0;
  std::optional<double> zero_gamma;  // the spot where total GEX changes sign, nearest today's
  double call_oi = 0, put_oi = 0, call_volume = 0, put_volume = 0;
  double pc_volume = k_missing, pc_oi = k_missing;
  std::size_t contracts = 0, priced = 0;  // contracts in the chain, and those with an IV
  std::vector<StrikeExposure> strikes;    // ascending
  std::vector<ExpiryStats> expiries;      // ascending: the term structure
  std::vector<UnusualContract> unusual;   // highest ratio first
};

ExposureReport analyse_exposure(const ChainSnapshot& chain, const std::vector<ContractMetrics>& metrics,
                                const ChainParams& params, const ExposureOptions& options = {});

// Total dealer GEX if the underlying stood at `spot`, volatilities and times held fixed.
double total_gex_at(const ChainSnapshot& chain, const std::vector<ContractMetrics>& metrics,
                    const ChainParams& params, double spot);

}  // namespace aiots::options
