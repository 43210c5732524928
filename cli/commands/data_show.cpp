// aiots data show / data export: the rows of one series, on stdout or into a file.
#include <cstdint>
#include <deque>
#include <iostream>

#include "commands/commands.hpp"
#include "output/atomic_file.hpp"

namespace aiots::cli {
namespace {

struct ShowOptions {
  std::string symbol;
  std::string timeframe;
  std::string from;
  std::string to;
  std::size_t tail = 0;
  std::size_t head = 0;
  std::string output;  // export only: file to write
  bool is_export = false;
};

template <class Row>
std::span<const Row> limit(const std::vector<Row>& rows, const ShowOptions& o) {
  std::span<const Row> s(rows);
  if (o.head > 0 && s.size() > o.head) {
    s = s.first(o.head);
  }
  if (o.tail > 0 && s.size() > o.tail) {
    s = s.last(o.tail);
  }
  return s;
}

Expected<void> write_rows(MarketStore& store, const SeriesInfo& series, const TimeRange& range, const ShowOptions& o,
                          RowWriter& writer) {
  const bool daily = series.timeframe.is_daily_or_longer();
  if (series.kind == SeriesKind::Quotes) {
    AIOTS_TRY_ASSIGN(quotes, store.load_quotes(series.id, range));
    for (const Quote& q : limit(quotes, o)) {
      writer.row({format_time(q.ts, false), q.price, q.bid, q.ask});
    }
  } else {
    // Bars stream from the store: a whole series is never held (with --tail, its last N).
    AIOTS_TRY_ASSIGN(cursor, store.open_bars(series.id, range));
    std::vector<Bar> chunk;
    std::deque<Bar> last;
    std::size_t taken = 0;
    const std::size_t head = o.head > 0 ? o.head : SIZE_MAX;
    while (taken < head) {
      chunk.clear();
      AIOTS_TRY_ASSIGN(n, cursor.read(chunk, std::min<std::size_t>(65536, head - taken)));
      if (n == 0) break;
      taken += n;
      for (const Bar& b : chunk) {
        if (o.tail == 0) {
          writer.row(bar_cells(b, daily));
          continue;
        }
        last.push_back(b);
        if (last.size() > o.tail) last.pop_front();
      }
    }
    for (const Bar& b : last) writer.row(bar_cells(b, daily));
  }
  writer.finish();
  return {};
}

Expected<void> run_show(const Context& ctx, const ShowOptions& o) {
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(o.timeframe));
  AIOTS_TRY_ASSIGN(range, parse_time_range(o.from, o.to));
  AIOTS_TRY_ASSIGN(format, ctx.format());
  if (o.is_export && ctx.options.format.empty() && !ctx.options.json) {
    format = OutputFormat::Csv;  // export writes data files, whatever stdout is
  }
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  AIOTS_TRY_ASSIGN(series, store.resolve(normalize_symbol(o.symbol), tf));
  const std::vector<std::string> columns =
      series.kind == SeriesKind::Quotes ? std::vector<std::string>{"time", "price", "bid", "ask"} : bar_columns();
  if (o.output.empty() || o.output == "-") {
    auto writer = make_row_writer(format, std::cout, columns, ctx.color() && format == OutputFormat::Table);
    return write_rows(store, series, range, o, *writer);
  }
  return write_atomically(o.output, [&](std::ostream& file) {
    auto writer = make_row_writer(format, file, columns, false);
    return write_rows(store, series, range, o, *writer);
  });
}

CLI::App* add_common(CLI::App& data, const char* name, const char* help, std::shared_ptr<ShowOptions> o) {
  CLI::App* cmd = data.add_subcommand(name, help);
  cmd->add_option("symbol", o->symbol, "Symbol to read")->required();
  cmd->add_option("-t,--timeframe", o->timeframe, "Timeframe (default: the symbol's finest)");
  cmd->add_option("--from", o->from, "First time to include (YYYY-MM-DD or ISO 8601)");
  cmd->add_option("--to", o->to, "Last time to include; a date alone includes the whole day");
  cmd->add_option("--head", o->head, "Only the first N rows of the range");
  cmd->add_option("--tail", o->tail, "Only the last N rows of the range");
  return cmd;
}

}  // namespace

void setup_data_show(CLI::App& data, Context& ctx) {
  auto show = std::make_shared<ShowOptions>();
  CLI::App* cmd = add_common(data, "show", "Print the bars (or quotes) of a symbol", show);
  cmd->callback([&ctx, show] {
    ctx.command_name = "data show";
    ctx.action = [&ctx, show] { return run_show(ctx, *show); };
  });

  auto exp = std::make_shared<ShowOptions>();
  exp->is_export = true;
  CLI::App* ex = add_common(data, "export", "Export a series to CSV (default) or JSON, on stdout or into a file", exp);
  ex->add_option("-o,--output", exp->output, "File to write (written whole or not at all); default stdout");
  ex->callback([&ctx, exp] {
    ctx.command_name = "data export";
    ctx.action = [&ctx, exp] { return run_show(ctx, *exp); };
  });
}

}  // namespace aiots::cli
