// Synthetic option chains: realistic, deterministic chains built from an underlying's bars,
// for demos, tests and strategy research where no real chain data exists. Always marked
// synthetic. The model:
//   * at-the-money IV from realized volatility plus a 10% variance premium, with a term
//     structure running from the short (20-bar) to the long (up to a year) realized level;
//   * a smile in standardised moneyness m = ln(K/F) / (atm * sqrt(T)):
//     iv = atm * (1 - 0.12 m + 0.03 m^2), kept within [0.5, 3] * atm (equity skew: puts richer);
//   * quotes around the Black-Scholes value, on a $0.01 tick below $3 and $0.05 above, with a
//     spread of about 4% of the value;
//   * open interest (scaled to the underlying's volume: 1 contract per 20,000 shares a day at
//     the money) peaking at the money, on round strikes and on monthly expiries, heavier in
//     puts below the spot and calls above; volume a turnover of open interest that is heaviest
//     for the nearest expiry, with rare bursts (about 2% of contracts) that show as unusual.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"
#include "engine/options/chain.hpp"
#include "util/error.hpp"
#include "util/timezone.hpp"

namespace aiots::options {

struct RealizedVol {
  double short_vol = 0;  // annualised, over the last 20 returns
  double long_vol = 0;   // annualised, over the last `bars_per_year` returns (all if fewer)
};

// Annualised close-to-close volatility of `closes`; needs at least 3 closes.
RealizedVol realized_vol(std::span<const double> closes, double bars_per_year);

// A strike spacing like the listed ones: 0.5 below $25, 1 below $100, 2.5 below $250, 5 below
// $1000, else 10.
double default_strike_step(double spot);

// True when `expiry` (an instant) falls on the third Friday of its month in `local_day` terms.
bool is_monthly_expiry(std::int64_t local_day);

struct SynthParams {
  std::string underlying;
  Timestamp as_of = 0;
  double spot = 0;
  RealizedVol realized;
  double average_volume = 0;  // shares per day of the underlying
  std::vector<Timestamp> expiries;        // instants, ascending
  std::vector<std::int64_t> expiry_days;  // their local dates (days since the epoch)
  double strike_range = 0.20;  // strikes within spot * (1 +- this)
  double strike_step = 0;      // 0 = default_strike_step(spot)
  double rate = 0;
  double dividend = 0;
  std::uint64_t seed = 1;
};

ChainSnapshot synthesize_chain(const SynthParams& params);

// The model's market inputs at the close of the last of `bars` (at least 3): the snapshot time
// (a daily bar's 16:00 session close in `zone`, an intraday bar's end), the spot, realized
// volatility over 20 bars and up to a year of bars, the average daily volume of the last 20
// bars, and the expiries `expiries` names (expiry_days). Strikes, rates and seed are the
// caller's. Shared by `aiots options synth-chain` and the per-session chains of backtests.
Expected<SynthParams> synth_params(const std::string& underlying, std::span<const Bar> bars, Timeframe timeframe,
                                   const std::string& expiries, const TimeZone& zone);

// Resolves an expiry list into local expiry dates after `as_of` (in `zone`): Nw (the next N
// Fridays), Nm (the next N third Fridays), Nd or N (N days on, moved to a weekday) or YYYY-MM-DD,
// comma-separated; sorted, without repeats. A usage error names a bad item.
Expected<std::vector<std::int64_t>> expiry_days(const std::string& spec, Timestamp as_of, const TimeZone& zone);

}  // namespace aiots::options
