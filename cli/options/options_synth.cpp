// aiots options synth-chain: a realistic, deterministic option chain built from the stored bars
// of an underlying (see engine/options/synth_chain.hpp for the model), stored marked synthetic.
#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "engine/options/expiry.hpp"
#include "engine/options/synth_chain.hpp"
#include "options/options_common.hpp"
#include "store/chain_store.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

struct SynthCliOptions {
  std::string symbol;
  std::string timeframe;
  std::string date;
  std::string expiries = "4w,3m";
  std::string strikes = "20%";
  double strike_step = 0;
  std::uint64_t seed = 1;
  bool replace = false;
  MarketInputs market;
};

Expected<void> run_synth(const Context& ctx, const SynthCliOptions& o) {
  AIOTS_TRY_ASSIGN(zone, exchange_zone(o.market));
  AIOTS_TRY_ASSIGN(rate, parse_flag_number("--rate", o.market.rate));
  AIOTS_TRY_ASSIGN(div, parse_flag_number("--div", o.market.div));
  AIOTS_TRY_ASSIGN(range, parse_percent("--strikes", o.strikes));
  if (o.strike_step < 0) return usage_error("--strike-step must not be negative");
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(o.timeframe));
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  const std::string symbol = normalize_symbol(o.symbol);
  AIOTS_TRY_ASSIGN(series, store.resolve(symbol, tf));
  if (series.kind != SeriesKind::Bars) return data_error(symbol + " holds quotes; synth-chain needs bars");
  std::optional<Timestamp> until;
  if (!o.date.empty()) {
    auto parsed = parse_time(o.date);
    if (!parsed) return usage_error("--date " + quote_value(o.date) + ": " + parsed.error().message);
    until = parsed->date_only ? parsed->ts : (parsed->naive ? zone.local_to_utc(parsed->ts) : parsed->ts);
    if (parsed->date_only && !series.timeframe.is_daily_or_longer()) until = zone.local_to_utc(parsed->ts + k_ns_per_day) - 1;
  }
  AIOTS_TRY_ASSIGN(bars, store.load_bars(series.id, TimeRange{std::nullopt, until}));
  if (bars.size() < 3) {
    return data_error("synth-chain needs at least 3 bars of " + symbol + (o.date.empty() ? "" : " up to " + o.date) +
                      ", found " + std::to_string(bars.size()));
  }
  AIOTS_TRY_ASSIGN(p, options::synth_params(symbol, bars, series.timeframe, o.expiries, zone));
  const Bar& last = bars.back();
  const bool daily = series.timeframe.is_daily_or_longer();
  p.strike_range = range;
  p.strike_step = o.strike_step;
  p.rate = rate;
  p.dividend = div;
  p.seed = o.seed;
  options::ChainSnapshot chain = options::synthesize_chain(p);
  chain.source = "synth-chain seed=" + std::to_string(o.seed) + " from " + symbol + " " + series.timeframe.to_string() +
                 " bars to " + format_time(last.ts, daily) + "; realized vol 20-bar " +
                 format_number(std::round(p.realized.short_vol * 1e4) / 1e4) + ", 1-year " +
                 format_number(std::round(p.realized.long_vol * 1e4) / 1e4);
  if (chain.quotes.empty()) return data_error("synth-chain made no contracts (no strikes in range or no expiries ahead)");
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  AIOTS_TRY(write_chain(store.db(), chain, o.replace));
  AIOTS_TRY(tx.commit());
  if (ctx.options.quiet && !ctx.json()) return {};
  AIOTS_TRY_ASSIGN(writer, ctx.writer({"underlying", "as_of", "spot", "contracts", "expiries", "first_expiry",
                                       "last_expiry", "strike_step", "short_vol", "long_vol", "seed", "synthetic"}));
  writer->row({symbol, format_time(p.as_of), p.spot, static_cast<std::int64_t>(chain.quotes.size()),
               static_cast<std::int64_t>(p.expiries.size()), local_date_text(p.expiries.front(), zone),
               local_date_text(p.expiries.back(), zone),
               o.strike_step > 0 ? o.strike_step : options::default_strike_step(p.spot), p.realized.short_vol,
               p.realized.long_vol, static_cast<std::int64_t>(o.seed), std::string("yes")});
  writer->finish();
  return {};
}

}  // namespace

void setup_options_synth(CLI::App& options, Context& ctx) {
  auto o = std::make_shared<SynthCliOptions>();
  CLI::App* cmd = options.add_subcommand("synth-chain", "Build a synthetic option chain from stored bars (marked synthetic)");
  cmd->add_option("symbol", o->symbol, "Underlying symbol with stored bars")->required();
  cmd->add_option("-t,--timeframe", o->timeframe, "Timeframe of the bars (default: the finest stored)");
  cmd->add_option("--date", o->date, "Snapshot at the last bar at or before this date or time (default: the last bar)");
  cmd->add_option("--expiries", o->expiries, "Expiries: Nw (next N Fridays), Nm (next N monthlies), Nd, YYYY-MM-DD (default 4w,3m)");
  cmd->add_option("--strikes", o->strikes, "Strikes within this much of the spot (default 20%, also written ±20%)");
  cmd->add_option("--strike-step", o->strike_step, "Strike spacing (default: 0.5/1/2.5/5/10 by price)");
  cmd->add_option("--seed", o->seed, "Random seed: same seed, same chain (default 1)");
  cmd->add_flag("--replace", o->replace, "Replace a stored chain of the same underlying and time");
  add_market_options(cmd, o->market);
  cmd->callback([&ctx, o] {
    ctx.command_name = "options synth-chain";
    ctx.action = [&ctx, o] { return run_synth(ctx, *o); };
  });
}

}  // namespace aiots::cli
