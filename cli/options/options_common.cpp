#include "options/options_common.hpp"

#include <chrono>
#include <cmath>

#include "engine/options/expiry.hpp"
#include "store/chain_store.hpp"
#include "util/parse_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {

void add_market_options(CLI::App* cmd, MarketInputs& inputs) {
  cmd->add_option("--rate", inputs.rate, "Risk-free rate, continuously compounded, as a fraction (default 0)");
  cmd->add_option("--div", inputs.div, "Dividend yield, continuous, as a fraction (default 0)");
  cmd->add_option("--tz", inputs.tz, "Zone of dates and naive times (default America/New_York)");
}

Expected<TimeZone> exchange_zone(const MarketInputs& inputs) { return TimeZone::locate(inputs.tz); }

Expected<double> parse_flag_number(std::string_view flag, const std::string& text) {
  const auto out = parse_double(text);
  if (!out || !std::isfinite(*out)) {
    return data_error(std::string(flag) + ": " + quote_value(text) + " is not a finite number");
  }
  return *out;
}

Expected<double> parse_percent(std::string_view flag, std::string text) {
  const std::string original = text;
  for (std::string_view prefix : {"\u00b1", "+-", "+/-", "+"}) {
    if (text.starts_with(prefix)) {
      text.erase(0, prefix.size());
      break;
    }
  }
  if (text.ends_with("%")) text.pop_back();
  auto value = parse_flag_number(flag, text);
  if (!value || *value <= 0 || *value >= 100) {
    return usage_error(std::string(flag) + ": " + quote_value(original) + " is not a percentage between 0 and 100, e.g. 20%");
  }
  return *value / 100.0;
}

Expected<Timestamp> resolve_now(const std::string& text, const TimeZone& zone) {
  if (text.empty()) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  }
  auto parsed = options::parse_now(text, zone);
  if (!parsed) return data_error(parsed.error().message);
  return *parsed;
}

Expected<double> resolve_spot(const Context& ctx, const options::ChainSnapshot& chain, const std::string& spot_flag) {
  if (!spot_flag.empty()) {
    AIOTS_TRY_ASSIGN(spot, parse_flag_number("--spot", spot_flag));
    if (spot <= 0) return data_error("--spot: " + spot_flag + " is not a positive price");
    return spot;
  }
  if (std::isfinite(chain.spot) && chain.spot > 0) return chain.spot;
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  auto series = store.resolve(chain.underlying, std::nullopt);
  if (series && series->kind == SeriesKind::Bars) {
    // Bars open at their timestamp: the last one that opened by the snapshot time.
    AIOTS_TRY_ASSIGN(bars, store.load_bars(series->id, TimeRange{std::nullopt, chain.as_of}));
    if (!bars.empty()) return bars.back().close;
  }
  return data_error("no spot price for " + chain.underlying + " at " + format_time(chain.as_of) +
                    ": the chain has no underlying price and no bars of " + chain.underlying +
                    " are stored before it; pass --spot");
}

std::string local_time_text(Timestamp ts, const TimeZone& zone) {
  const std::string text = format_time(zone.utc_to_local(ts));
  return text.substr(0, 10) + " " + text.substr(11, 5) + " " + zone.name();
}

std::string local_date_text(Timestamp ts, const TimeZone& zone) { return format_time(zone.utc_to_local(ts), true); }

std::string synthetic_banner(const options::ChainSnapshot& chain) {
  return chain.synthetic ? "SYNTHETIC chain, not market data (" + chain.source + ")" : "";
}

}  // namespace aiots::cli

namespace aiots::cli {

Expected<LoadedChain> load_for_analysis(const Context& ctx, const std::string& symbol, const std::string& date,
                                        const std::string& spot, const MarketInputs& market, const TimeZone& zone) {
  std::optional<Timestamp> at;
  if (!date.empty()) {
    auto parsed = parse_time(date);
    if (!parsed) return usage_error("--date " + quote_value(date) + ": " + parsed.error().message);
    if (parsed->date_only) {
      at = zone.local_to_utc(parsed->ts + k_ns_per_day) - 1;  // the end of that local day
    } else {
      at = parsed->naive ? zone.local_to_utc(parsed->ts) : parsed->ts;
    }
  }
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  LoadedChain out;
  AIOTS_TRY_ASSIGN(chain, load_chain(store.db(), normalize_symbol(symbol), at));
  out.chain = std::move(chain);
  AIOTS_TRY_ASSIGN(rate, parse_flag_number("--rate", market.rate));
  AIOTS_TRY_ASSIGN(div, parse_flag_number("--div", market.div));
  AIOTS_TRY_ASSIGN(resolved_spot, resolve_spot(ctx, out.chain, spot));
  out.params.spot = resolved_spot;
  out.params.now = out.chain.as_of;
  out.params.rate = rate;
  out.params.dividend = div;
  return out;
}

Expected<void> keep_expiry(options::ChainSnapshot& chain, const std::string& date, const TimeZone& zone) {
  if (date.empty()) return {};
  std::vector<std::string> dates;
  std::erase_if(chain.quotes, [&](const options::OptionQuote& q) {
    const std::string d = local_date_text(q.expiry, zone);
    if (dates.empty() || dates.back() != d) dates.push_back(d);
    return d != date;
  });
  if (chain.quotes.empty()) {
    std::string list;
    for (const std::string& d : dates) list += (list.empty() ? "" : ", ") + d;
    return data_error("no contracts of " + chain.underlying + " expire on " + quote_value(date) + "; expiries: " + list);
  }
  return {};
}

}  // namespace aiots::cli
