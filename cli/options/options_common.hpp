// What the options commands share: the exchange zone their dates are read in, the market
// inputs (rate, dividend yield, spot), and resolving "now".
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "context.hpp"
#include "engine/options/chain.hpp"
#include "util/timezone.hpp"

namespace aiots::cli {

// US equity options: dates expire at 16:00 in this zone, and naive times are read in it.
inline constexpr std::string_view k_exchange_zone = "America/New_York";

struct MarketInputs {
  std::string rate = "0";
  std::string div = "0";
  std::string tz = std::string(k_exchange_zone);
};

// Declares --rate, --div and --tz on `cmd`.
void add_market_options(CLI::App* cmd, MarketInputs& inputs);

// The zone named by --tz.
Expected<TimeZone> exchange_zone(const MarketInputs& inputs);

// Parses a finite number given to `flag`; a data error (exit 3) names the flag and the value.
Expected<double> parse_flag_number(std::string_view flag, const std::string& text);

// Parses a percentage such as 20%, ±20% or +-20% (also 20) into a fraction (0.2); it must be
// above 0 and below 100%.
Expected<double> parse_percent(std::string_view flag, std::string text);

// `text` (--now) in `zone`, or the current time when empty.
Expected<Timestamp> resolve_now(const std::string& text, const TimeZone& zone);

// The spot for analysing `chain`: --spot when given, else the chain's own, else the last close
// of the underlying's stored bars at or before the snapshot.
Expected<double> resolve_spot(const Context& ctx, const options::ChainSnapshot& chain, const std::string& spot_flag);

// "2001-09-21 16:00 America/New_York" style text of an instant in `zone`.
std::string local_time_text(Timestamp ts, const TimeZone& zone);
// The local date (YYYY-MM-DD) of an instant in `zone`.
std::string local_date_text(Timestamp ts, const TimeZone& zone);

// The banner every chain output carries when the chain is synthetic.
std::string synthetic_banner(const options::ChainSnapshot& chain);

}  // namespace aiots::cli

#include "engine/options/chain_analytics.hpp"

namespace aiots::cli {

// A stored chain ready to analyse, with the inputs the analysis uses.
struct LoadedChain {
  options::ChainSnapshot chain;
  options::ChainParams params;
};

// Loads the chain of `symbol` at or before `date` (a date means the end of that day in the
// zone; empty = the latest) and resolves spot, rate and dividend yield.
Expected<LoadedChain> load_for_analysis(const Context& ctx, const std::string& symbol, const std::string& date,
                                        const std::string& spot, const MarketInputs& market, const TimeZone& zone);

// Keeps the contracts expiring on the local date `date` (YYYY-MM-DD in the zone); a data error
// lists the chain's expiry dates when none does.
Expected<void> keep_expiry(options::ChainSnapshot& chain, const std::string& date, const TimeZone& zone);

}  // namespace aiots::cli
