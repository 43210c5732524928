// aiots indicators: bars of a symbol (or a CSV file) with indicator columns appended.
#include <deque>
#include <filesystem>
#include <functional>
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

// Hands `take` the bars of the source up to the end of the range (indicators warm up on the
// history before --from), a chunk at a time, with their timeframe. Stored bars stream: memory
// does not grow with the series. A file is parsed whole first, so that a bad row anywhere is an
// error before anything is printed.
Expected<void> each_chunk(const Context& ctx, const IndicatorsOptions& o, const TimeRange& range,
                          const std::function<void(std::span<const Bar>, Timeframe)>& take) {
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
    std::vector<Bar>& bars = file.series[0].bars;
    std::erase_if(bars, [&](const Bar& b) { return range.to && b.ts > *range.to; });
    take(bars, file.series[0].timeframe);
    return {};
  }
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(series, store.resolve(normalize_symbol(o.source), tf));
  if (series.kind != SeriesKind::Bars) {
    return data_error(series.symbol + " holds quotes; resample it to bars first (aiots data resample " +
                      series.symbol + " --to 1m)");
  }
  AIOTS_TRY_ASSIGN(cursor, store.open_bars(series.id, TimeRange{std::nullopt, range.to}));
  std::vector<Bar> chunk;
  while (true) {
    chunk.clear();
    AIOTS_TRY_ASSIGN(n, cursor.read(chunk, 65536));
    if (n == 0) break;
    take(chunk, series.timeframe);
  }
  return {};
}

Expected<void> run_indicator_list(const Context& ctx) {
  AIOTS_TRY_ASSIGN(writer, ctx.writer({"name", "usage", "summary"}));
  for (const IndicatorInfo& info : indicator_catalogue()) {
    writer->row({std::string(info.name), std::string(info.usage), std::string(info.summary)});
  }
  writer->finish();
  return {};
}

Expected<void> run_indicators(const Context& ctx, const IndicatorsOptions& o) {
  if (o.list) {
    return run_indicator_list(ctx);
  }
  if (o.source.empty() || o.spec.empty()) {
    return usage_error("need a SYMBOL or FILE and --ind (see aiots indicators --list)");
  }
  AIOTS_TRY_ASSIGN(specs, parse_indicator_specs(o.spec));
  AIOTS_TRY_ASSIGN(range, parse_time_range(o.from, o.to));
  std::vector<std::unique_ptr<Indicator>> indicators;
  std::vector<std::string> columns = bar_columns();
  for (const IndicatorSpec& spec : specs) {
    indicators.push_back(make_indicator(spec));
    columns.insert(columns.end(), indicators.back()->columns().begin(), indicators.back()->columns().end());
  }
  // Rows are printed as they are computed (the writer starts with the first, so that an empty
  // range prints nothing); with --tail only the last N are held, and printed at the end.
  std::unique_ptr<RowWriter> writer;
  std::deque<std::vector<Cell>> tail;
  Expected<void> writing;  // an error once the writer could not start
  const auto emit = [&](std::vector<Cell> cells) {
    if (o.tail > 0) {
      tail.push_back(std::move(cells));
      if (tail.size() > o.tail) tail.pop_front();
      return;
    }
    if (!writer) {
      auto made = ctx.writer(columns);
      if (!made) {
        writing = tl::unexpected(made.error());
        return;
      }
      writer = std::move(*made);
    }
    writer->row(cells);
  };
  const auto take = [&](std::span<const Bar> bars, Timeframe timeframe) {
    const bool daily = timeframe.is_daily_or_longer();
    for (const Bar& b : bars) {
      for (auto& ind : indicators) ind->update(b);
      if (range.from && b.ts < *range.from) continue;
      if (writing) {
        std::vector<Cell> cells = bar_cells(b, daily);
        for (const auto& ind : indicators) cells.insert(cells.end(), ind->values().begin(), ind->values().end());
        emit(std::move(cells));
      }
    }
  };
  AIOTS_TRY(each_chunk(ctx, o, range, take));
  AIOTS_TRY(writing);
  if (o.tail > 0 && !tail.empty()) {
    AIOTS_TRY_ASSIGN(made, ctx.writer(columns));
    writer = std::move(made);
    for (const auto& cells : tail) writer->row(cells);
  }
  if (!writer) return data_error("no bars in the given range");
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
