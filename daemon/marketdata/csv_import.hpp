// Turns market-data CSV text into validated, ascending series of bars or quotes.
//
// Header detection: a time column (date|datetime|timestamp|time, or date + time), OHLCV columns
// in any order and case (adj close, volume optional; a close alone makes close-only bars), or
// price / bid,ask columns for quote streams. Without a header, the column count decides:
// time,price | time,bid,ask | time,o,h,l,c | time,o,h,l,c,v. --wide files carry one close column
// per symbol.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"
#include "util/error.hpp"
#include "util/timezone.hpp"

namespace aiots {

struct ImportOptions {
  std::optional<std::string> symbol;      // default: from the file name
  std::optional<Timeframe> timeframe;     // default: inferred
  TimeZone tz = TimeZone::utc();          // zone of naive date-times (dates alone are session dates)
  bool skip_invalid = false;              // drop bad rows and count them instead of failing
  bool wide = false;                      // one close column per symbol
  bool adjusted = false;                  // scale OHLC by adj close / close
  bool one_pass = false;                  // never parse a large file as two halves on two threads
};

// One series read from a file, with the source line of every row kept.
struct ParsedSeries {
  std::string symbol;
  Timeframe timeframe;
  SeriesKind kind = SeriesKind::Bars;
  std::vector<Bar> bars;
  std::vector<Quote> quotes;
  std::vector<std::uint32_t> lines;
};

// Rows dropped with --skip-invalid, by reason code, with the first message of each reason.
struct SkipReport {
  std::map<std::string, std::size_t> counts;
  std::map<std::string, std::string> first_message;
  std::size_t total() const;
};

struct ParsedFile {
  std::string source;
  std::vector<ParsedSeries> series;
  std::size_t rows_read = 0;
  std::vector<std::string> ignored_columns;
  SkipReport skipped;
};

// Parses `text` read from `source` (used in messages as source:line). Any bad row is a data
// error `source:line: column 'high': 10.5 is below low 11.0` unless options.skip_invalid.
Expected<ParsedFile> parse_market_csv(std::string_view text, const std::string& source, const ImportOptions& options);

// A file parsed a block at a time, for files of any size: the same rows, line numbers, skip
// report, first error and timeframes as parse_market_csv, in memory bounded by the block (rows
// are handed out as they are parsed). The timeframe of a series is inferred from its first rows
// as a whole-file parse does, so rows are held until every series has those (a --wide column
// that starts late holds the others' rows until then).
class MarketCsvStream {
public:
  static Expected<MarketCsvStream> open(const std::string& path, const std::string& source, const ImportOptions& options,
                                        std::size_t block_bytes = std::size_t{8} << 20);
  MarketCsvStream(MarketCsvStream&&) noexcept;
  MarketCsvStream& operator=(MarketCsvStream&&) noexcept;
  ~MarketCsvStream();

  // Each series' rows since the last call (series in file().series order, with their symbol,
  // kind and timeframe; a series may have none this time); false once the file is read. A bad
  // row is an error (source:line) unless options.skip_invalid; a file without a valid row too.
  Expected<bool> next(std::vector<ParsedSeries>& rows);
  // The file's totals so far: source, rows read, ignored columns, skip report, series names.
  const ParsedFile& file() const;
  // Rows handed out of `series` so far.
  std::size_t rows_of(std::size_t series) const;
  // How much of the file is read, 0 to 1 (0 when its size is unknown).
  double fraction_read() const;

private:
  struct State;
  explicit MarketCsvStream(std::unique_ptr<State> state);
  Expected<bool> parse_block();
  std::unique_ptr<State> m_state;
};

// Returns the symbol a file name implies: "data/msft.csv.gz" -> "MSFT".
std::string symbol_from_path(std::string_view path);

}  // namespace aiots
