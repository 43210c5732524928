// aiots indicators: bars of a symbol (or a CSV file) with indicator columns appended.
#include <filesystem>
#include <iostream>

#include "commands/commands.hpp"
#include "engine/indicators/indicator.hpp"
#include "marketdata/csv_import.hpp"
#include "marketdata/input_file.hpp"

namespace aiots::cli {
namespace {

struct IndicatorsOptions {
  std::string source;
  std::string spec;
  std::string timeframe;
  std::string from;
  std::string to;
  std::size_t tail = 0;
  bool list = false;
};

bool looks_like_file(const std::string& source) {
  return source == "-" || source.find('/') != std::string::npos || source.ends_with(".csv") ||
         source.ends_with(".gz") || std::filesystem::exists(source);
}

// Loads bars up to the end of the range: indicators warm up on history before --from.
Expected<std::pair<std::vector<Bar>, Timeframe>> load(const Context& ctx, const IndicatorsOptions& o,
                                                      const TimeRange& range) {
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(o.timeframe));
  if (looks_like_file(o.source)) {
    AIOTS_TRY_ASSIGN(text, read_input(o.source));
    ImportOptions options;
    options.timeframe = tf;
    if (o.source == "-") {
      options.symbol = "STDIN";
    }
    AIOTS_TRY_ASSIGN(file, parse_market_csv(text, o.source == "-" ? "<stdin>" : o.source, options));
    if (file.series.size() != 1 || file.series[0].kind != SeriesKind::Bars) {
      return data_error(o.source + ": indicators need a single series of bars");
    }
    std::vector<Bar> bars = std::move(file.series[0].bars);
    std::erase_if(bars, [&](const Bar& b) { return range.to && b.ts > *range.to; });
    return std::pair{std::move(bars), file.series[0].timeframe};
  }
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(series, store.resolve(normalize_symbol(o.source), tf));
  if (series.kind != SeriesKind::Bars) {
    return data_error(series.symbol + " holds quotes; resample it to bars first (aiots data resample " +
                      series.symbol + " --to 1m)");
  }
  AIOTS_TRY_ASSIGN(bars, store.load_bars(series.id, TimeRange{std::nullopt, range.to}));
  return std::pair{std::move(bars), series.timeframe};
}

Expected<void> run_list(const Context& ctx) {
  AIOTS_TRY_ASSIGN(writer, ctx.writer({"name", "usage", "summary"}));
  for (const IndicatorInfo& info : indicator_catalogue()) {
    writer->row({std::string(info.name), std::string(info.usage), std::string(info.summary)});
  }
  writer->finish();
  return {};
}

Expected<void> run_indicators(const Context& ctx, const IndicatorsOptions& o) {
  if (o.list) {
    return run_list(ctx);
  }
  if (o.source.empty() || o.spec.empty()) {
    return usage_error("need a SYMBOL or FILE and --ind (see aiots indicators --list)");
  }
  AIOTS_TRY_ASSIGN(specs, parse_indicator_specs(o.spec));
  AIOTS_TRY_ASSIGN(range, parse_time_range(o.from, o.to));
  AIOTS_TRY_ASSIGN(loaded, load(ctx, o, range));
  auto& [bars, timeframe] = loaded;
  std::vector<std::unique_ptr<Indicator>> indicators;
  std::vector<std::string> columns = bar_columns();
  for (const IndicatorSpec& spec : specs) {
    indicators.push_back(make_indicator(spec));
    columns.insert(columns.end(), indicators.back()->columns().begin(), indicators.back()->columns().end());
  }
  std::size_t first_out = 0;
  while (range.from && first_out < bars.size() && bars[first_out].ts < *range.from) {
    ++first_out;
  }
  if (o.tail > 0 && bars.size() - first_out > o.tail) {
    first_out = bars.size() - o.tail;
  }
  if (first_out == bars.size()) {
    return data_error("no bars in the given range");
  }
  AIOTS_TRY_ASSIGN(writer, ctx.writer(columns));
  const bool daily = timeframe.is_daily_or_longer();
  for (std::size_t i = 0; i < bars.size(); ++i) {
    for (auto& ind : indicators) {
      ind->update(bars[i]);
    }
    if (i < first_out) {
      continue;
    }
    std::vector<Cell> cells = bar_cells(bars[i], daily);
    for (const auto& ind : indicators) {
      cells.insert(cells.end(), ind->values().begin(), ind->values().end());
    }
    writer->row(cells);
  }
  writer->finish();
  return {};
}

}  // namespace

void setup_indicators(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<IndicatorsOptions>();
  CLI::App* cmd = app.add_subcommand("indicators", "Append indicator columns to the bars of a symbol or CSV file");
  cmd->add_option("source", o->source, "Stored symbol, or a CSV file (path, or - for stdin)");
  cmd->add_option("-i,--ind", o->spec, "Indicators, e.g. 'sma(20),rsi(14),macd(12,26,9)'");
  cmd->add_option("-t,--timeframe", o->timeframe, "Timeframe of the stored symbol (default: its finest)");
  cmd->add_option("--from", o->from, "First bar to print (earlier bars still warm the indicators up)");
  cmd->add_option("--to", o->to, "Last bar to use");
  cmd->add_option("--tail", o->tail, "Print only the last N bars");
  cmd->add_flag("--list", o->list, "List the available indicators and their parameters");
  cmd->callback([&ctx, o] {
    ctx.command_name = "indicators";
    ctx.action = [&ctx, o] { return run_indicators(ctx, *o); };
  });
}

}  // namespace aiots::cli
