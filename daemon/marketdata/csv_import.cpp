#include "marketdata/csv_import.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

#include "marketdata/csv_reader.hpp"
#include "marketdata/input_blocks.hpp"
#include "util/parse_number.hpp"
#include "util/quote_value.hpp"

namespace aiots {
namespace {

// Where each known column sits in a record (-1 = absent).
struct Layout {
  std::vector<std::string> names;  // normalised header names, or canonical ones without a header
  bool has_header = true;
  int time = -1;
  int clock = -1;  // a separate time-of-day column next to a date column
  int open = -1, high = -1, low = -1, close = -1, adj = -1, volume = -1;
  int price = -1, bid = -1, ask = -1;
  SeriesKind kind = SeriesKind::Bars;
  std::vector<int> wide_columns;
};

// A rejected row: a stable reason code and the message after "source:line: ".
struct RowError {
  std::string reason;
  std::string message;
};

std::string normalize(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '"')) {
    s.remove_suffix(1);
  }
  std::string out;
  for (char c : s) {
    out += (c == ' ' || c == '-' || c == '.') ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

bool is_one_of(const std::string& name, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), name) != options.end();
}

Expected<Layout> layout_from_header(const std::vector<std::string_view>& header, const std::string& source,
                                    const ImportOptions& opt, std::vector<std::string>& ignored) {
  Layout l;
  for (std::string_view h : header) {
    l.names.push_back(normalize(h));
  }
  for (int i = 0; i < static_cast<int>(l.names.size()); ++i) {
    const std::string& n = l.names[static_cast<std::size_t>(i)];
    int* slot = nullptr;
    if (is_one_of(n, {"date", "datetime", "timestamp", "date_time", "time_stamp"})) {
      slot = l.time < 0 ? &l.time : nullptr;
    } else if (n == "time") {
      slot = &l.clock;
    }
    if (!opt.wide) {
      if (n == "open" || n == "o") slot = &l.open;
      else if (n == "high" || n == "h") slot = &l.high;
      else if (n == "low" || n == "l") slot = &l.low;
      else if (n == "close" || n == "c") slot = &l.close;
      else if (is_one_of(n, {"adj_close", "adjclose", "adjusted_close", "adj"})) slot = &l.adj;
      else if (is_one_of(n, {"volume", "vol", "v"})) slot = &l.volume;
      else if (is_one_of(n, {"price", "last", "trade"})) slot = &l.price;
      else if (n == "bid") slot = &l.bid;
      else if (n == "ask" || n == "offer") slot = &l.ask;
    }
    if (slot != nullptr && *slot < 0) {
      *slot = i;
    } else if (opt.wide && slot == nullptr) {
      l.wide_columns.push_back(i);
    } else if (!opt.wide) {
      ignored.push_back(std::string(trim(header[static_cast<std::size_t>(i)])));
    }
  }
  // A lone "time" column is the timestamp itself, not a time of day.
  if (l.time < 0) {
    l.time = l.clock;
    l.clock = -1;
  }
  if (l.time < 0) {
    return data_error(source + ":1: no time column (expected one of date, datetime, timestamp, time)");
  }
  if (opt.wide) {
    if (l.wide_columns.empty()) {
      return data_error(source + ":1: --wide needs at least one symbol column besides the time");
    }
    return l;
  }
  const bool any_ohl = l.open >= 0 || l.high >= 0 || l.low >= 0;
  if (l.close >= 0) {
    for (auto [idx, name] : {std::pair{l.open, "open"}, {l.high, "high"}, {l.low, "low"}}) {
      if (any_ohl && idx < 0) {
        return data_error(source + ":1: column '" + name + "' is missing (OHLC files need open, high, low and close)");
      }
    }
  } else if (l.price >= 0 || (l.bid >= 0 && l.ask >= 0)) {
    l.kind = SeriesKind::Quotes;
  } else if (l.bid >= 0 || l.ask >= 0) {
    return data_error(source + ":1: quote files need both 'bid' and 'ask' columns");
  } else {
    return data_error(source + ":1: no price columns (expected close, open/high/low/close, price, or bid and ask)");
  }
  return l;
}

Expected<Layout> layout_without_header(std::size_t width, const std::string& source) {
  Layout l;
  l.has_header = false;
  l.time = 0;
  switch (width) {
    case 2: l.names = {"time", "price"}; l.price = 1; l.kind = SeriesKind::Quotes; break;
    case 3: l.names = {"time", "bid", "ask"}; l.bid = 1; l.ask = 2; l.kind = SeriesKind::Quotes; break;
    case 5: l.names = {"time", "open", "high", "low", "close"}; l.open = 1; l.high = 2; l.low = 3; l.close = 4; break;
    case 6:
      l.names = {"time", "open", "high", "low", "close", "volume"};
      l.open = 1; l.high = 2; l.low = 3; l.close = 4; l.volume = 5;
      break;
    default:
      return data_error(source + ":1: no header line, and " + std::to_string(width) +
                        " columns match no known layout (time,price | time,bid,ask | time,o,h,l,c[,v])");
  }
  return l;
}

// Parses the numeric field at `column` or explains why not.
bool read_number(const std::vector<std::string_view>& fields, int column, const Layout& l, double& out, RowError& err) {
  const std::string_view raw = trim(fields[static_cast<std::size_t>(column)]);
  const std::string& name = l.names[static_cast<std::size_t>(column)];
  if (raw.empty()) {
    err = {"missing_value", "column '" + name + "': value is missing"};
    return false;
  }
  const auto parsed = parse_double(raw);
  if (!parsed) {
    err = {"bad_number", "column '" + name + "': " + quote_value(raw) + " is not a number"};
    return false;
  }
  out = *parsed;
  if (!std::isfinite(out)) {
    err = {"not_finite", "column '" + name + "': " + quote_value(raw) + " is not a finite number"};
    return false;
  }
  return true;
}

// The field at `column`, trimmed, fit for an error message (long values are cut).
std::string text_of(const std::vector<std::string_view>& fields, int column) {
  const std::string_view v = trim(fields[static_cast<std::size_t>(column)]);
  return v.size() > k_quoted_value_limit ? quote_value(v) : std::string(v);
}

// Reads the timestamp of a record (date + separate clock column if the layout has one).
bool read_time(const std::vector<std::string_view>& fields, const Layout& l, const ImportOptions& opt,
               ParsedTime& out, RowError& err) {
  std::string joined;
  std::string_view text = trim(fields[static_cast<std::size_t>(l.time)]);
  if (l.clock >= 0) {
    joined = std::string(text) + " " + std::string(trim(fields[static_cast<std::size_t>(l.clock)]));
    text = joined;
  }
  const auto parsed = parse_time(text);
  if (!parsed) {
    const bool range = is_out_of_range(parsed.error());
    err = {range ? "time_out_of_range" : "bad_time",
           "column '" + l.names[static_cast<std::size_t>(l.time)] + "': " + quote_value(text) + " is " +
               (range ? parsed.error().message
                      : "not a date or time (YYYY-MM-DD[ HH:MM[:SS]][Z|+HH:MM] or epoch seconds/ms)")};
    return false;
  }
  out = *parsed;
  if (out.naive && !out.date_only) {
    out.ts = opt.tz.local_to_utc(out.ts);
  }
  return true;
}

bool check_bar(const std::vector<std::string_view>& f, const Layout& l, const Bar& b, RowError& err) {
  auto fail = [&](std::string reason, int col, std::string relation, std::string other, int other_col) {
    err = {std::move(reason), "column '" + l.names[static_cast<std::size_t>(col)] + "': " + text_of(f, col) + " is " +
                                  relation + " " + other + " " + text_of(f, other_col)};
    return false;
  };
  if (l.high < 0) {
    return true;  // close-only bars
  }
  if (b.high < b.low) return fail("high_below_low", l.high, "below", "low", l.low);
  if (b.high < b.open) return fail("high_below_open", l.high, "below", "open", l.open);
  if (b.high < b.close) return fail("high_below_close", l.high, "below", "close", l.close);
  if (b.low > b.open) return fail("low_above_open", l.low, "above", "open", l.open);
  if (b.low > b.close) return fail("low_above_close", l.low, "above", "close", l.close);
  return true;
}

bool read_bar(const std::vector<std::string_view>& f, const Layout& l, const ImportOptions& opt, Bar& b,
              RowError& err) {
  if (!read_number(f, l.close, l, b.close, err)) return false;
  if (l.open >= 0) {
    if (!read_number(f, l.open, l, b.open, err) || !read_number(f, l.high, l, b.high, err) ||
        !read_number(f, l.low, l, b.low, err)) {
      return false;
    }
  } else {
    b.open = b.high = b.low = b.close;
  }
  b.volume = 0;
  if (l.volume >= 0) {
    if (!read_number(f, l.volume, l, b.volume, err)) return false;
    if (b.volume < 0) {
      err = {"negative_volume", "column '" + l.names[static_cast<std::size_t>(l.volume)] + "': " +
                                    text_of(f, l.volume) + " is negative"};
      return false;
    }
  }
  if (!check_bar(f, l, b, err)) {
    return false;
  }
  if (opt.adjusted) {
    double adj = 0;
    if (!read_number(f, l.adj, l, adj, err)) return false;
    const double factor = adj / b.close;
    b.open *= factor;
    b.high *= factor;
    b.low *= factor;
    b.close = adj;
  }
  return true;
}

bool read_quote(const std::vector<std::string_view>& f, const Layout& l, Quote& q, RowError& err) {
  q.price = q.bid = q.ask = std::nan("");
  if (l.price >= 0 && !read_number(f, l.price, l, q.price, err)) return false;
  if (l.bid >= 0 && l.ask >= 0) {
    if (!read_number(f, l.bid, l, q.bid, err) || !read_number(f, l.ask, l, q.ask, err)) return false;
    if (q.bid > q.ask) {
      err = {"crossed_quote", "column 'bid': " + text_of(f, l.bid) + " is above ask " + text_of(f, l.ask)};
      return false;
    }
  }
  return true;
}

// Accumulates the rows of one file, enforcing strictly increasing time.
class FileParser {
public:
  FileParser(const std::string& source, const ImportOptions& opt, ParsedFile& out) : m_source(source), m_opt(opt), m_out(out) {}

  Expected<void> parse(CsvReader& reader, const Layout& layout, std::vector<std::string_view>& fields, std::size_t line,
                       bool have_record, std::size_t rows_hint = 0) {
    if (!m_set_up) setup_series(layout);  // once: a stream parses block after block
    m_set_up = true;
    if (!m_opt.wide) {
      // Room for every row at once: no copying while the vectors grow.
      ParsedSeries& s = m_out.series[0];
      (s.kind == SeriesKind::Quotes ? s.quotes.reserve(rows_hint) : s.bars.reserve(rows_hint));
      s.lines.reserve(rows_hint);
    }
    while (have_record) {
      ++m_out.rows_read;
      AIOTS_TRY(row(layout, fields, line));
      have_record = reader.next(fields, line);
    }
    return {};
  }

private:
  void setup_series(const Layout& l) {
    if (m_opt.wide) {
      for (int col : l.wide_columns) {
        ParsedSeries s;
        std::string name(trim(l.names[static_cast<std::size_t>(col)]));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
        s.symbol = name;
        m_out.series.push_back(std::move(s));
      }
      return;
    }
    ParsedSeries s;
    s.symbol = m_opt.symbol ? *m_opt.symbol : symbol_from_path(m_source);
    s.kind = l.kind;
    m_out.series.push_back(std::move(s));
  }

  Expected<void> reject(std::size_t line, RowError err) {
    const std::string message = m_source + ":" + std::to_string(line) + ": " + err.message;
    if (!m_opt.skip_invalid) {
      return data_error(message);
    }
    ++m_out.skipped.counts[err.reason];
    m_out.skipped.first_message.try_emplace(err.reason, message);
    return {};
  }

  Expected<void> row(const Layout& l, const std::vector<std::string_view>& f, std::size_t line) {
    RowError err;
    if (f.size() != l.names.size()) {
      return reject(line, {"field_count", "expected " + std::to_string(l.names.size()) + " fields, found " +
                                              std::to_string(f.size())});
    }
    ParsedTime t;
    if (!read_time(f, l, m_opt, t, err)) {
      return reject(line, err);
    }
    if (m_has_last && t.ts <= m_last_ts) {
      const std::string relation = t.ts == m_last_ts ? "repeats the time of line " : "is earlier than line ";
      return reject(line, {"not_increasing", "column '" + l.names[static_cast<std::size_t>(l.time)] + "': " +
                                                 format_time(t.ts, t.date_only) + " " + relation +
                                                 std::to_string(m_last_line) + " (times must increase strictly)"});
    }
    if (m_opt.wide) {
      AIOTS_TRY(wide_row(l, f, line, t.ts));
    } else if (l.kind == SeriesKind::Quotes) {
      Quote q;
      q.ts = t.ts;
      if (!read_quote(f, l, q, err)) {
        return reject(line, err);
      }
      m_out.series[0].quotes.push_back(q);
      m_out.series[0].lines.push_back(static_cast<std::uint32_t>(line));
    } else {
      Bar b;
      b.ts = t.ts;
      if (!read_bar(f, l, m_opt, b, err)) {
        return reject(line, err);
      }
      m_out.series[0].bars.push_back(b);
      m_out.series[0].lines.push_back(static_cast<std::uint32_t>(line));
    }
    m_has_last = true;
    m_last_ts = t.ts;
    m_last_line = line;
    return {};
  }

  // Wide rows: a missing value (empty or NA) skips that symbol on this row only.
  Expected<void> wide_row(const Layout& l, const std::vector<std::string_view>& f, std::size_t line, Timestamp ts) {
    std::vector<double> closes(l.wide_columns.size(), std::nan(""));
    for (std::size_t i = 0; i < l.wide_columns.size(); ++i) {
      const int col = l.wide_columns[i];
      const std::string_view raw = trim(f[static_cast<std::size_t>(col)]);
      if (raw.empty() || raw == "NA" || raw == "NaN" || raw == "null") {
        continue;
      }
      RowError err;
      if (!read_number(f, col, l, closes[i], err)) {
        return reject(line, err);
      }
    }
    for (std::size_t i = 0; i < closes.size(); ++i) {
      if (!std::isnan(closes[i])) {
        m_out.series[i].bars.push_back(Bar{ts, closes[i], closes[i], closes[i], closes[i], 0});
        m_out.series[i].lines.push_back(static_cast<std::uint32_t>(line));
      }
    }
    return {};
  }

  const std::string& m_source;
  const ImportOptions& m_opt;
  ParsedFile& m_out;
  bool m_set_up = false;
  bool m_has_last = false;
  Timestamp m_last_ts = 0;
  std::size_t m_last_line = 0;
};

Expected<void> assign_timeframes(ParsedFile& file, const ImportOptions& opt) {
  for (ParsedSeries& s : file.series) {
    if (s.kind == SeriesKind::Quotes) {
      s.timeframe = Timeframe::tick();
      continue;
    }
    if (opt.timeframe) {
      s.timeframe = *opt.timeframe;
      continue;
    }
    std::vector<Timestamp> times;
    times.reserve(std::min<std::size_t>(s.bars.size(), 4097));
    for (std::size_t i = 0; i < s.bars.size() && i < 4097; ++i) {
      times.push_back(s.bars[i].ts);
    }
    const auto tf = infer_timeframe(times);
    if (!tf) {
      return data_error(file.source + ": cannot infer the timeframe of " + s.symbol +
                        (s.bars.size() < 2 ? " from fewer than two rows" : " (irregular timestamps)") +
                        "; pass --timeframe (e.g. 1d, 30m)");
    }
    s.timeframe = *tf;
  }
  return {};
}

}  // namespace

std::size_t SkipReport::total() const {
  std::size_t n = 0;
  for (const auto& [reason, count] : counts) {
    n += count;
  }
  return n;
}

std::string symbol_from_path(std::string_view path) {
  const auto slash = path.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view ext : {".gz", ".csv", ".txt", ".tsv"}) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) {
      name.remove_suffix(ext.size());
    }
  }
  std::string symbol(name);
  std::transform(symbol.begin(), symbol.end(), symbol.begin(), [](unsigned char c) { return std::toupper(c); });
  return symbol;
}

namespace {

// Files smaller than this are parsed on one thread (a thread costs more than it saves).
constexpr std::size_t k_split_bytes = std::size_t{4} << 20;

std::size_t count_lines(std::string_view text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

struct Header {
  Layout layout;
  bool have_record = false;  // `fields` holds the first data record
};

// Reads the first record: a header (or the first row of a file without one), and the layout.
Expected<Header> read_header(CsvReader& reader, std::vector<std::string_view>& fields, std::size_t& line,
                             const std::string& source, const ImportOptions& opt, ParsedFile& file) {
  if (!reader.next(fields, line)) {
    return data_error(source + ": the file is empty");
  }
  // A first field that is a time (even one out of range, reported later with its line) is data.
  const auto first_time = parse_time(trim(fields[0]));
  const bool has_header = !first_time && !is_out_of_range(first_time.error());
  Header h;
  if (has_header) {
    AIOTS_TRY_ASSIGN(l, layout_from_header(fields, source, opt, file.ignored_columns));
    h.layout = std::move(l);
  } else {
    if (opt.wide) {
      return data_error(source + ":1: --wide files need a header naming the symbols");
    }
    AIOTS_TRY_ASSIGN(l, layout_without_header(fields.size(), source));
    h.layout = std::move(l);
  }
  if (opt.adjusted && h.layout.adj < 0) {
    return usage_error(source + ": --adjusted needs an 'adj close' column");
  }
  // The adjusted close replaces the close, so it is not "ignored".
  h.have_record = has_header ? reader.next(fields, line) : true;
  return h;
}

tl::unexpected<Error> no_valid_rows(const ParsedFile& file) {
  return data_error(file.source + ": no valid rows" +
                    (file.skipped.total() > 0 ? " (" + std::to_string(file.skipped.total()) + " skipped)" : ""));
}

// The rows after the header, with `fields` (line `line`) the first when `have_record`. A large
// file is parsed as two halves on two threads (each half's rows in order, then joined), with the
// same results and the same first error as one pass: the second half's first row must come after
// the first half's last, or the file is parsed again in one pass to report exactly what one pass
// reports.
Expected<void> parse_rows(std::string_view text, char delimiter, CsvReader& reader, const Layout& layout,
                          std::vector<std::string_view>& fields, std::size_t line, bool have_record,
                          const std::string& source, const ImportOptions& opt, ParsedFile& file) {
  const std::size_t start = reader.position();
  const bool split = have_record && !opt.wide && !opt.one_pass && text.size() - start > k_split_bytes;
  if (!split) {
    FileParser parser(source, opt, file);
    return parser.parse(reader, layout, fields, line, have_record, count_lines(text.substr(start)) + 1);
  }
  const std::size_t middle = text.find('\n', start + (text.size() - start) / 2);
  const std::size_t cut = middle == std::string_view::npos ? text.size() : middle + 1;
  const std::size_t lines_before_cut = count_lines(text.substr(0, cut));
  const std::vector<std::string> first_fields(fields.begin(), fields.end());  // to parse again in one pass
  const std::size_t first_line = line;

  ParsedFile second = file;  // same source, no rows
  std::vector<std::string_view> second_fields;
  Expected<void> second_result;
  std::thread second_half([&] {
    CsvReader rest(text.substr(cut), delimiter, lines_before_cut);
    std::size_t second_line = 0;
    const bool any = rest.next(second_fields, second_line);
    FileParser parser(source, opt, second);
    second_result = parser.parse(rest, layout, second_fields, second_line, any, count_lines(text.substr(cut)) + 1);
  });
  ParsedFile first = file;
  reader.stop_at(cut);
  FileParser parser(source, opt, first);
  // Room for both halves: the second joins the first without moving it.
  Expected<void> first_result = parser.parse(reader, layout, fields, line, have_record, count_lines(text.substr(start)) + 1);
  second_half.join();
  if (!first_result) return first_result;  // the first error of the file is in the first half
  const ParsedSeries& a = first.series[0];
  const ParsedSeries& b = second.series[0];
  const auto last_of = [](const ParsedSeries& s) { return s.kind == SeriesKind::Quotes ? s.quotes.back().ts : s.bars.back().ts; };
  const auto first_of = [](const ParsedSeries& s) { return s.kind == SeriesKind::Quotes ? s.quotes.front().ts : s.bars.front().ts; };
  const bool joined = a.lines.empty() || b.lines.empty() || first_of(b) > last_of(a);
  if (!joined) {
    // Times go back across the cut: one pass says where, and what it skips with --skip-invalid.
    // It starts after the first record, as the first half did.
    CsvReader again(text.substr(start), delimiter, first_line);
    std::vector<std::string_view> again_fields(first_fields.begin(), first_fields.end());
    FileParser one_pass(source, opt, file);
    return one_pass.parse(again, layout, again_fields, first_line, true, count_lines(text.substr(start)) + 1);
  }
  if (!second_result) return second_result;
  // Join: the first half's rows, then the second's.
  file.rows_read = first.rows_read + second.rows_read;
  file.skipped = std::move(first.skipped);
  for (const auto& [reason, count] : second.skipped.counts) file.skipped.counts[reason] += count;
  for (const auto& [reason, message] : second.skipped.first_message) file.skipped.first_message.try_emplace(reason, message);
  file.series = std::move(first.series);
  ParsedSeries& out = file.series[0];
  ParsedSeries& tail = second.series[0];
  out.bars.insert(out.bars.end(), tail.bars.begin(), tail.bars.end());
  out.quotes.insert(out.quotes.end(), tail.quotes.begin(), tail.quotes.end());
  out.lines.insert(out.lines.end(), tail.lines.begin(), tail.lines.end());
  return {};
}

}  // namespace

Expected<ParsedFile> parse_market_csv(std::string_view text, const std::string& source, const ImportOptions& opt) {
  ParsedFile file;
  file.source = source;
  const std::string_view first_line = text.substr(0, text.find('\n'));
  CsvReader reader(text, CsvReader::detect_delimiter(first_line));
  std::vector<std::string_view> fields;
  std::size_t line = 0;
  AIOTS_TRY_ASSIGN(header, read_header(reader, fields, line, source, opt, file));
  AIOTS_TRY(parse_rows(text, reader.delimiter(), reader, header.layout, fields, line, header.have_record, source, opt, file));
  std::erase_if(file.series, [](const ParsedSeries& s) { return s.bars.empty() && s.quotes.empty(); });
  if (file.series.empty()) return no_valid_rows(file);
  AIOTS_TRY(assign_timeframes(file, opt));
  return file;
}

// The stream's state: the input's blocks, the layout, and a parser whose rows go to `parsed`
// until handed out.
struct MarketCsvStream::State {
  InputBlocks input;
  ImportOptions options;
  ParsedFile parsed;  // rows parsed and not yet handed out; totals
  Layout layout;
  char delimiter = ',';
  std::unique_ptr<FileParser> parser;
  std::vector<std::size_t> rows_out;  // rows handed out, per series
  bool timeframes_known = false;
  bool ended = false;
};

MarketCsvStream::MarketCsvStream(std::unique_ptr<State> state) : m_state(std::move(state)) {}
MarketCsvStream::MarketCsvStream(MarketCsvStream&&) noexcept = default;
MarketCsvStream& MarketCsvStream::operator=(MarketCsvStream&&) noexcept = default;
MarketCsvStream::~MarketCsvStream() = default;
const ParsedFile& MarketCsvStream::file() const { return m_state->parsed; }

Expected<MarketCsvStream> MarketCsvStream::open(const std::string& path, const std::string& source,
                                                const ImportOptions& options, std::size_t block_bytes) {
  AIOTS_TRY_ASSIGN(input, InputBlocks::open(path, block_bytes));
  auto state = std::make_unique<State>(State{std::move(input), options, {}, {}, ',', nullptr, {}, false, false});
  State& st = *state;
  st.parsed.source = source;
  AIOTS_TRY_ASSIGN(block, st.input.next());
  CsvReader reader(block, CsvReader::detect_delimiter(block.substr(0, block.find('\n'))));
  std::vector<std::string_view> fields;
  std::size_t line = 0;
  AIOTS_TRY_ASSIGN(header, read_header(reader, fields, line, source, st.options, st.parsed));
  st.layout = std::move(header.layout);
  st.delimiter = reader.delimiter();
  st.parser = std::make_unique<FileParser>(st.parsed.source, st.options, st.parsed);
  AIOTS_TRY(st.parser->parse(reader, st.layout, fields, line, header.have_record));
  st.rows_out.assign(st.parsed.series.size(), 0);
  return MarketCsvStream(std::move(state));
}

Expected<bool> MarketCsvStream::parse_block() {
  State& st = *m_state;
  AIOTS_TRY_ASSIGN(block, st.input.next());
  if (block.empty()) {
    st.ended = true;
    return false;
  }
  CsvReader reader(block, st.delimiter, st.input.lines_before());
  std::vector<std::string_view> fields;
  std::size_t line = 0;
  const bool any = reader.next(fields, line);
  AIOTS_TRY(st.parser->parse(reader, st.layout, fields, line, any));
  return true;
}

Expected<bool> MarketCsvStream::next(std::vector<ParsedSeries>& rows) {
  State& st = *m_state;
  rows.clear();
  if (!st.timeframes_known) {
    // The timeframe is inferred from a series' first 4097 rows, as a whole-file parse infers it:
    // parse on until every series has them, or the file ends.
    const auto enough = [&] {
      for (const ParsedSeries& s : st.parsed.series) {
        if (s.kind == SeriesKind::Bars && s.bars.size() < 4097) return false;
      }
      return true;
    };
    while (!st.ended && !(st.options.timeframe || enough())) AIOTS_TRY(parse_block());
    std::size_t total = 0;
    for (const ParsedSeries& s : st.parsed.series) total += s.lines.size();
    if (st.ended && total == 0) return no_valid_rows(st.parsed);
    // Series without rows (a wide column that is all NA) are left out, as by a whole-file parse.
    ParsedFile with_rows = st.parsed;  // names and kinds; the rows are few here
    std::erase_if(with_rows.series, [](const ParsedSeries& s) { return s.lines.empty(); });
    AIOTS_TRY(assign_timeframes(with_rows, st.options));
    for (ParsedSeries& s : st.parsed.series) {
      for (const ParsedSeries& known : with_rows.series) {
        if (known.symbol == s.symbol) s.timeframe = known.timeframe;
      }
    }
    st.timeframes_known = true;
  } else if (!st.ended) {
    AIOTS_TRY(parse_block());
  }
  for (std::size_t i = 0; i < st.parsed.series.size(); ++i) {
    ParsedSeries& s = st.parsed.series[i];
    ParsedSeries out;
    out.symbol = s.symbol;
    out.timeframe = s.timeframe;
    out.kind = s.kind;
    out.bars.swap(s.bars);
    out.quotes.swap(s.quotes);
    out.lines.swap(s.lines);
    st.rows_out[i] += out.lines.size();
    rows.push_back(std::move(out));
  }
  if (st.ended) {
    std::size_t total = 0;
    for (std::size_t n : st.rows_out) total += n;
    if (total == 0) return no_valid_rows(st.parsed);
  }
  return !st.ended;
}

std::size_t MarketCsvStream::rows_of(std::size_t series) const { return m_state->rows_out[series]; }
double MarketCsvStream::fraction_read() const {
  const InputBlocks& in = m_state->input;
  return in.size() > 0 ? static_cast<double>(in.bytes_read()) / static_cast<double>(in.size()) : 0.0;
}

}  // namespace aiots
