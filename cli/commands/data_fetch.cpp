// aiots data fetch: bars from a provider (Alpha Vantage) into the store, through the same CSV
// validation as data import and one all-or-nothing transaction. Requests go through the HTTP
// layer (daemon/adapters/http): the rate limit shared by every aiots process, retries with
// backoff, and the cache of months that are over, which makes a second fetch of the same
// history free and the command idempotent.
#include <iostream>

#include "adapters/alphavantage/alphavantage.hpp"
#include "commands/commands.hpp"
#include "marketdata/csv_import.hpp"
#include "progress.hpp"
#include "store/database.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

struct FetchOptions {
  std::vector<std::string> symbols;
  std::string provider = "alphavantage";
  std::string interval = "1d";
  std::string from;
  std::string to;
  bool adjusted = false;
};

struct Fetched {
  std::string symbol;
  Timeframe timeframe;
  std::vector<Bar> bars;
  std::int64_t requests = 0;  // sent (attempts included)
  std::int64_t cached = 0;    // answered from the cache
  double waited = 0;          // seconds, for the rate limit and backoff
};

Expected<void> run_fetch(const Context& ctx, const FetchOptions& o) {
  if (o.provider != "alphavantage") return usage_error("--provider " + o.provider + ": the providers are: alphavantage");
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  AIOTS_TRY_ASSIGN(settings, alphavantage::settings_from(config));
  AIOTS_TRY_ASSIGN(range, parse_time_range(o.from, o.to));
  const std::optional<Timestamp> from = range.from, to = range.to;
  AIOTS_TRY_ASSIGN(interval, alphavantage::interval_name(o.interval));
  const bool daily = interval == "daily";
  const Timeframe timeframe = *Timeframe::parse(daily ? "1d" : o.interval == "1h" ? "60m" : o.interval);
  AIOTS_TRY_ASSIGN(zone, TimeZone::locate("America/New_York"));  // Alpha Vantage's times are US/Eastern
  const Timestamp now_ns = wall_clock_now();

  std::vector<std::pair<std::string, alphavantage::Request>> requests;
  for (std::string symbol : o.symbols) {
    std::transform(symbol.begin(), symbol.end(), symbol.begin(), [](unsigned char c) { return std::toupper(c); });
    AIOTS_TRY_ASSIGN(planned, alphavantage::plan(settings, symbol, o.interval, from, to, o.adjusted, now_ns));
    for (auto& r : planned) requests.emplace_back(symbol, std::move(r));
  }
  AIOTS_TRY_ASSIGN(fetcher, alphavantage::Fetcher::open(settings));
  std::vector<Fetched> fetched;
  ProgressBar progress("fetching", !ctx.options.quiet && isatty(2) != 0);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& [symbol, request] = requests[i];
    if (fetched.empty() || fetched.back().symbol != symbol) fetched.push_back(Fetched{symbol, timeframe, {}, 0, 0, 0});
    Fetched& f = fetched.back();
    progress.update(i, requests.size(), request.label);
    alphavantage::FetchStats stats;
    auto body = fetcher.body(request, stats);
    f.requests += stats.requests;
    f.cached += stats.cached;
    f.waited += stats.waited;
    if (!body) return tl::unexpected(body.error());
    ImportOptions options;
    options.symbol = symbol;
    options.timeframe = timeframe;
    options.tz = zone;
    options.adjusted = daily && o.adjusted;
    // Rows are checked as data import checks a file: this response names itself in messages.
    AIOTS_TRY_ASSIGN(parsed, parse_market_csv(alphavantage::oldest_first(*body), "alphavantage " + request.label + " (oldest first)",
                                              options));
    for (const ParsedSeries& s : parsed.series) {
      for (const Bar& b : s.bars) {
        if ((from && b.ts < *from) || (to && b.ts > *to)) continue;
        if (!f.bars.empty() && b.ts <= f.bars.back().ts) {
          return data_error("alphavantage " + request.label + ": " + format_time(b.ts) + " repeats or precedes a bar of the month before");
        }
        f.bars.push_back(b);
      }
    }
  }
  progress.update(requests.size(), requests.size());

  // All symbols in one transaction: nothing is half-written. A provider's rows replace the
  // stored rows of the span they cover (revisions and today's growing bar win).
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  nlohmann::json out = nlohmann::json::array();
  for (const Fetched& f : fetched) {
    nlohmann::json row = {{"symbol", f.symbol}, {"timeframe", f.timeframe.to_string()}, {"rows", f.bars.size()},
                          {"requests", f.requests}, {"cached", f.cached}, {"waited_seconds", f.waited}};
    if (!f.bars.empty()) {
      AIOTS_TRY_ASSIGN(id, store.ensure_series(f.symbol, f.timeframe, SeriesKind::Bars));
      // Identical rows stay (a second fetch changes nothing); where the provider revised a row,
      // its span is replaced.
      AIOTS_TRY_ASSIGN(kept, store.write_bars(id, f.bars, false));
      WriteStats stats = kept;
      if (kept.conflict) {
        AIOTS_TRY_ASSIGN(replaced, store.write_bars(id, f.bars, true));
        stats = replaced;
      }
      row["inserted"] = stats.inserted;
      row["unchanged"] = stats.unchanged;
      row["replaced"] = stats.replaced;
      row["first"] = format_time(f.bars.front().ts, daily);
      row["last"] = format_time(f.bars.back().ts, daily);
    }
    out.push_back(row);
  }
  AIOTS_TRY(tx.commit());
  if (ctx.json()) {
    std::cout << out.dump(2) << '\n';
  } else if (!ctx.options.quiet) {
    for (const auto& r : out) {
      std::cout << "alphavantage: " << r["symbol"].get<std::string>() << " " << r["timeframe"].get<std::string>() << " bars, "
                << r["rows"] << " rows";
      if (r.contains("first")) {
        std::cout << " (" << r["inserted"] << " new, " << r["unchanged"] << " unchanged) " << r["first"].get<std::string>()
                  << " .. " << r["last"].get<std::string>();
      }
      std::cout << "; " << r["requests"] << " requests, " << r["cached"] << " from the cache\n";
    }
  }
  return {};
}

}  // namespace

void setup_data_fetch(CLI::App& data, Context& ctx) {
  auto o = std::make_shared<FetchOptions>();
  CLI::App* cmd = data.add_subcommand("fetch", "Fetch bars from a provider (Alpha Vantage) into the store");
  cmd->add_option("symbols", o->symbols, "Symbols to fetch")->required();
  cmd->add_option("--provider", o->provider, "Data provider: alphavantage (default)")->check(CLI::IsMember({"alphavantage"}));
  cmd->add_option("-i,--interval", o->interval, "1m, 5m, 15m, 30m, 60m or 1d (default 1d)")
      ->check(CLI::IsMember({"1m", "5m", "15m", "30m", "60m", "1h", "1d"}));
  cmd->add_option("--from", o->from, "First date (intraday: default this month)");
  cmd->add_option("--to", o->to, "Last date (default: today)");
  cmd->add_flag("--adjusted", o->adjusted, "Split- and dividend-adjusted bars");
  cmd->callback([&ctx, o] {
    ctx.command_name = "data fetch";
    ctx.action = [&ctx, o] { return run_fetch(ctx, *o); };
  });
}

}  // namespace aiots::cli
