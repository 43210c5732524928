// aiots data import: CSV files (or stdin) into the store, all or nothing, in bounded memory.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "marketdata/csv_import.hpp"
#include "marketdata/input_file.hpp"
#include "progress.hpp"

namespace aiots::cli {
namespace {

struct ImportCommandOptions {
  std::vector<std::string> files;
  std::string symbol;
  std::string timeframe;
  std::string tz = "UTC";
  bool skip_invalid = false;
  bool replace = false;
  bool wide = false;
  bool adjusted = false;
};

struct SeriesOutcome {
  std::string source;
  std::string symbol;
  std::string timeframe;
  SeriesKind kind;
  std::size_t rows;
  WriteStats stats;
  Timestamp first;
  Timestamp last;
  bool date_only;
};

std::string conflict_message(const ParsedFile& file, const ParsedSeries& s, const WriteStats& stats) {
  const std::size_t i = *stats.conflict;
  const bool daily = s.timeframe.is_daily_or_longer();
  std::string detail;
  if (s.kind == SeriesKind::Bars) {
    const Bar& b = s.bars[i];
    detail = "close " + format_double(b.close) + ", stored " + format_double(stats.stored.close) + "; open " +
             format_double(b.open) + ", stored " + format_double(stats.stored.open);
  } else {
    detail = "price " + format_double(quote_price(s.quotes[i])) + ", stored " + format_double(stats.stored.close);
  }
  const Timestamp ts = s.kind == SeriesKind::Bars ? s.bars[i].ts : s.quotes[i].ts;
  return file.source + ":" + std::to_string(s.lines[i]) + ": " + s.symbol + " " + s.timeframe.to_string() + " at " +
         format_time(ts, daily) + " differs from the stored row (" + detail + "); pass --replace to overwrite";
}

// A series as its batches are written: its id once it has rows, and what was written.
struct SeriesWrite {
  std::optional<std::int64_t> id;
  WriteStats stats;
  std::size_t rows = 0;
  Timestamp first = 0;
  Timestamp last = 0;
};

// Writes one batch of a series. With --replace, a batch replaces the stored rows from the end of
// the one before (exclusive) to its own last time: together the batches replace the file's span.
Expected<void> write_batch(MarketStore& store, const ParsedFile& file, const ParsedSeries& s, SeriesWrite& w, bool replace) {
  if (s.lines.empty()) return {};
  const bool quotes = s.kind == SeriesKind::Quotes;
  const Timestamp first = quotes ? s.quotes.front().ts : s.bars.front().ts;
  const Timestamp last = quotes ? s.quotes.back().ts : s.bars.back().ts;
  if (!w.id) {
    AIOTS_TRY_ASSIGN(id, store.ensure_series(s.symbol, s.timeframe, s.kind));
    w.id = id;
    w.first = first;
  } else if (replace && first > w.last + 1) {
    AIOTS_TRY_ASSIGN(between, store.delete_rows(*w.id, s.kind, TimeRange{w.last + 1, first - 1}));
    w.stats.replaced += between;
  }
  AIOTS_TRY_ASSIGN(stats, quotes ? store.write_quotes(*w.id, s.quotes, replace, {}, false)
                                 : store.write_bars(*w.id, s.bars, replace, {}, false));
  if (stats.conflict) return data_error(conflict_message(file, s, stats));
  w.stats.inserted += stats.inserted;
  w.stats.unchanged += stats.unchanged;
  w.stats.replaced += stats.replaced;
  w.rows += s.lines.size();
  w.last = last;
  return {};
}

// Parses every file a block at a time and writes each block's rows as it goes, all in one
// transaction: memory stays bounded by the block whatever the file's size, and a bad row or a
// conflict anywhere leaves the store as it was.
Expected<std::vector<SeriesOutcome>> import_all(const Context& ctx, MarketStore& store, const ImportCommandOptions& o,
                                                const ImportOptions& options, std::vector<ParsedFile>& files) {
  std::vector<SeriesOutcome> outcomes;
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  for (const std::string& path : o.files) {
    if (path == "-" && !options.symbol && !options.wide) {
      return usage_error("reading stdin needs --symbol");
    }
    AIOTS_TRY_ASSIGN(stream, MarketCsvStream::open(path, path == "-" ? "<stdin>" : path, options));
    ProgressBar bar("importing " + (path == "-" ? std::string("<stdin>") : path), ctx.stderr_is_tty() && !ctx.options.quiet);
    std::vector<SeriesWrite> writes;
    std::vector<ParsedSeries> batch;
    bool more = true;
    while (more) {
      AIOTS_TRY_ASSIGN(again, stream.next(batch));
      more = again;
      writes.resize(batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        AIOTS_TRY(write_batch(store, stream.file(), batch[i], writes[i], o.replace));
      }
      bar.update(static_cast<std::size_t>(stream.fraction_read() * 1000), 1000);
    }
    bar.update(1000, 1000);
    const std::vector<ParsedSeries>& kinds = stream.file().series;  // symbol, timeframe, kind
    for (std::size_t i = 0; i < writes.size(); ++i) {
      const SeriesWrite& w = writes[i];
      if (!w.id) continue;  // no rows (a --wide column that is all NA)
      AIOTS_TRY(store.refresh_summary(*w.id));
      outcomes.push_back({stream.file().source, kinds[i].symbol, kinds[i].timeframe.to_string(), kinds[i].kind, w.rows,
                          w.stats, w.first, w.last, kinds[i].timeframe.is_daily_or_longer()});
    }
    files.push_back(stream.file());
  }
  AIOTS_TRY(tx.commit());
  return outcomes;
}

nlohmann::json to_json(const std::vector<ParsedFile>& files, const std::vector<SeriesOutcome>& outcomes,
                       const std::string& store_path) {
  nlohmann::json j = {{"store", store_path}, {"files", nlohmann::json::array()}};
  for (const ParsedFile& f : files) {
    nlohmann::json jf = {{"source", f.source},
                         {"rows_read", f.rows_read},
                         {"ignored_columns", f.ignored_columns},
                         {"skipped", {{"total", f.skipped.total()}, {"by_reason", f.skipped.counts}}},
                         {"series", nlohmann::json::array()}};
    for (const SeriesOutcome& o : outcomes) {
      if (o.source != f.source) {
        continue;
      }
      jf["series"].push_back({{"symbol", o.symbol},
                              {"timeframe", o.timeframe},
                              {"kind", to_string(o.kind)},
                              {"rows", o.rows},
                              {"inserted", o.stats.inserted},
                              {"unchanged", o.stats.unchanged},
                              {"replaced", o.stats.replaced},
                              {"first", format_time(o.first, o.date_only)},
                              {"last", format_time(o.last, o.date_only)}});
    }
    j["files"].push_back(std::move(jf));
  }
  return j;
}

void print_human(const std::vector<ParsedFile>& files, const std::vector<SeriesOutcome>& outcomes) {
  for (const SeriesOutcome& o : outcomes) {
    std::cout << o.source << ": " << o.symbol << " " << o.timeframe << " " << to_string(o.kind) << ", " << o.rows
              << " rows (" << o.stats.inserted << " new, " << o.stats.unchanged << " unchanged";
    if (o.stats.replaced > 0) {
      std::cout << ", " << o.stats.replaced << " replaced";
    }
    std::cout << ") " << format_time(o.first, o.date_only) << " .. " << format_time(o.last, o.date_only) << '\n';
  }
  for (const ParsedFile& f : files) {
    if (!f.ignored_columns.empty()) {
      std::cout << f.source << ": ignored columns:";
      for (const std::string& c : f.ignored_columns) {
        std::cout << " '" << c << "'";
      }
      std::cout << '\n';
    }
    if (f.skipped.total() == 0) {
      continue;
    }
    std::cout << f.source << ": skipped " << f.skipped.total() << " invalid rows:";
    for (const auto& [reason, count] : f.skipped.counts) {
      std::cout << " " << reason << "=" << count;
    }
    std::cout << '\n';
    for (const auto& [reason, message] : f.skipped.first_message) {
      std::cout << "  first " << reason << ": " << message << '\n';
    }
  }
}

Expected<void> run_import(const Context& ctx, const ImportCommandOptions& o) {
  ImportOptions options;
  if (!o.symbol.empty()) {
    if (o.wide) {
      return usage_error("--symbol cannot be used with --wide (symbols come from the header)");
    }
    options.symbol = normalize_symbol(o.symbol);
  }
  AIOTS_TRY_ASSIGN(tf, parse_timeframe_option(o.timeframe));
  options.timeframe = tf;
  AIOTS_TRY_ASSIGN(tz, TimeZone::locate(o.tz));
  options.tz = tz;
  options.skip_invalid = o.skip_invalid;
  options.wide = o.wide;
  options.adjusted = o.adjusted;
  AIOTS_TRY_ASSIGN(format, ctx.format());
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  std::vector<ParsedFile> files;
  AIOTS_TRY_ASSIGN(outcomes, import_all(ctx, store, o, options, files));
  if (format == OutputFormat::Json) {
    std::cout << to_json(files, outcomes, ctx.store_path()).dump(2) << '\n';
  } else if (format == OutputFormat::Csv && !ctx.options.format.empty()) {
    auto w = make_row_writer(OutputFormat::Csv, std::cout,
                             {"source", "symbol", "timeframe", "kind", "rows", "inserted", "unchanged", "replaced",
                              "first", "last"},
                             false);
    for (const SeriesOutcome& s : outcomes) {
      w->row({s.source, s.symbol, s.timeframe, std::string(to_string(s.kind)), static_cast<std::int64_t>(s.rows),
              s.stats.inserted, s.stats.unchanged, s.stats.replaced, format_time(s.first, s.date_only),
              format_time(s.last, s.date_only)});
    }
    w->finish();
  } else if (!ctx.options.quiet) {
    print_human(files, outcomes);
  }
  return {};
}

}  // namespace

void setup_data_import(CLI::App& data, Context& ctx) {
  auto o = std::make_shared<ImportCommandOptions>();
  CLI::App* cmd = data.add_subcommand("import", "Import CSV (or .csv.gz) files of bars or quotes; '-' reads stdin");
  cmd->add_option("files", o->files, "Files to import, or - for standard input")->required();
  cmd->add_option("-s,--symbol", o->symbol, "Symbol (default: the file name, upper-cased)");
  cmd->add_option("-t,--timeframe", o->timeframe, "Bar timeframe, e.g. 1m, 30m, 1d (default: inferred)");
  cmd->add_option("--tz", o->tz, "Time zone of naive date-times, e.g. America/New_York (default: UTC)");
  cmd->add_flag("--skip-invalid", o->skip_invalid, "Skip bad rows and report counts per reason");
  cmd->add_flag("--replace", o->replace, "Replace stored rows that overlap the file's time span");
  cmd->add_flag("--wide", o->wide, "One close column per symbol (date,AA,AXP,...)");
  cmd->add_flag("--adjusted", o->adjusted, "Scale open/high/low/close by adj close / close");
  cmd->callback([&ctx, o] {
    ctx.command_name = "data import";
    ctx.action = [&ctx, o] { return run_import(ctx, *o); };
  });
}

}  // namespace aiots::cli
