// aiots data resample: aggregate a stored series into a coarser timeframe, stored alongside.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "engine/bars/resample.hpp"

namespace aiots::cli {
namespace {

struct ResampleOptions {
  std::string symbol;
  std::string to_timeframe;
  std::string source_timeframe;
  std::string session_tz = "America/New_York";
  std::string from;
  std::string to;
};

Expected<void> run_resample(const Context& ctx, const ResampleOptions& o) {
  const auto target = Timeframe::parse(o.to_timeframe);
  if (!target) {
    return usage_error("--to: '" + o.to_timeframe + "' is not a timeframe (5m, 15m, 30m, 1h, 1d, 1w, ...)");
  }
  AIOTS_TRY_ASSIGN(source_tf, parse_timeframe_option(o.source_timeframe));
  AIOTS_TRY_ASSIGN(range, parse_time_range(o.from, o.to));
  AIOTS_TRY_ASSIGN(tz, TimeZone::locate(o.session_tz));
  AIOTS_TRY_ASSIGN(format, ctx.format());
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  const std::string symbol = normalize_symbol(o.symbol);
  AIOTS_TRY_ASSIGN(source, store.resolve(symbol, source_tf));
  AIOTS_TRY(check_resample(source.timeframe, *target));
  std::vector<Bar> bars;
  std::size_t source_rows = 0;
  if (source.kind == SeriesKind::Quotes) {
    AIOTS_TRY_ASSIGN(quotes, store.load_quotes(source.id, range));
    source_rows = quotes.size();
    bars = resample_quotes(quotes, *target, tz);
  } else {
    AIOTS_TRY_ASSIGN(input, store.load_bars(source.id, range));
    source_rows = input.size();
    bars = resample_bars(input, source.timeframe, *target, tz);
  }
  if (bars.empty()) {
    return data_error("no " + source.timeframe.to_string() + " rows of " + symbol + " in the given range");
  }
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  AIOTS_TRY_ASSIGN(id, store.ensure_series(symbol, *target, SeriesKind::Bars));
  AIOTS_TRY_ASSIGN(stats, store.write_bars(id, bars, true));
  AIOTS_TRY(tx.commit());
  const bool daily = target->is_daily_or_longer();
  nlohmann::json j = {{"symbol", symbol},
                      {"from_timeframe", source.timeframe.to_string()},
                      {"to_timeframe", target->to_string()},
                      {"session_tz", tz.name()},
                      {"source_rows", source_rows},
                      {"bars", bars.size()},
                      {"replaced", stats.replaced},
                      {"first", format_time(bars.front().ts, daily)},
                      {"last", format_time(bars.back().ts, daily)}};
  if (format == OutputFormat::Json) {
    std::cout << j.dump(2) << '\n';
  } else if (!ctx.options.quiet) {
    std::cout << symbol << ": " << source_rows << " " << source.timeframe.to_string() << " rows -> " << bars.size()
              << " " << target->to_string() << " bars (" << j["first"].get<std::string>() << " .. "
              << j["last"].get<std::string>() << ", sessions in " << tz.name() << ")\n";
  }
  return {};
}

}  // namespace

void setup_data_resample(CLI::App& data, Context& ctx) {
  auto o = std::make_shared<ResampleOptions>();
  CLI::App* cmd = data.add_subcommand("resample", "Aggregate a series into a coarser timeframe and store it");
  cmd->add_option("symbol", o->symbol, "Symbol to resample")->required();
  cmd->add_option("--to", o->to_timeframe, "Target timeframe: 5m, 15m, 30m, 1h, 1d, 1w, ...")->required();
  cmd->add_option("--source", o->source_timeframe, "Source timeframe (default: the symbol's finest)");
  cmd->add_option("--session-tz", o->session_tz, "Exchange time zone for sessions (default: America/New_York)");
  cmd->add_option("--from", o->from, "First source time to include");
  cmd->add_option("--until", o->to, "Last source time to include");
  cmd->callback([&ctx, o] {
    ctx.command_name = "data resample";
    ctx.action = [&ctx, o] { return run_resample(ctx, *o); };
  });
}

}  // namespace aiots::cli
