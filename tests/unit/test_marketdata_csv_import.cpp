#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include "marketdata/csv_bar_stream.hpp"
#include "marketdata/csv_import.hpp"
#include "store/bars_digest.hpp"

using namespace aiots;

namespace {

Expected<ParsedFile> parse(const std::string& text, ImportOptions opt = {}) {
  return parse_market_csv(text, "t.csv", opt);
}

std::string error_of(const std::string& text, ImportOptions opt = {}) {
  auto r = parse(text, opt);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::Data);
  return r.error().message;
}

const char* k_good = "date,open,high,low,close,volume\n"
                     "2001-01-02,10,11,9,10.5,100\n"
                     "2001-01-03,10.5,12,10,11,200\n"
                     "2001-01-04,11,11.5,10.5,11.2,300\n";

}  // namespace

TEST_CASE("Import reads OHLCV with a header in any order and case", "[marketdata][csv]") {
  auto r = parse("Volume,CLOSE,Low,High,Open,Date\n100,10.5,9,11,10,2001-01-02\n200,11,10,12,10.5,2001-01-03\n");
  REQUIRE(r);
  REQUIRE(r->series.size() == 1);
  const auto& s = r->series[0];
  CHECK(s.symbol == "T");
  CHECK(s.bars[0] == Bar{parse_time("2001-01-02")->ts, 10, 11, 9, 10.5, 100});
  CHECK(s.timeframe.seconds == 86'400);
  CHECK(s.lines == std::vector<std::uint32_t>{2, 3});
}

TEST_CASE("Import reads every date format", "[marketdata][csv]") {
  const Timestamp t0 = parse_time("2001-01-02T14:30:00Z")->ts;
  for (const auto& [first, second] : std::vector<std::pair<std::string, std::string>>{
           {"2001-01-02 14:30", "2001-01-02 14:31"},
           {"2001-01-02 14:30:00", "2001-01-02 14:31:00"},
           {"2001-01-02T14:30:00Z", "2001-01-02T14:31:00Z"},
           {"2001-01-02T09:30:00-05:00", "2001-01-02T09:31:00-05:00"},
           {"978445800", "978445860"},
           {"978445800000", "978445860000"}}) {
    INFO(first);
    auto r = parse("timestamp,price\n" + first + ",1.5\n" + second + ",1.6\n");
    REQUIRE(r);
    CHECK(r->series[0].quotes[0].ts == t0);
    CHECK(r->series[0].quotes[1].ts == t0 + 60 * k_ns_per_second);
  }
}

TEST_CASE("Naive times take --tz, offsets and dates do not", "[marketdata][csv]") {
  ImportOptions opt;
  opt.tz = *TimeZone::locate("America/New_York");
  auto r = parse("datetime,price\n2001-01-02 09:30,1\n2001-01-02T14:31:00Z,2\n", opt);
  REQUIRE(r);
  CHECK(r->series[0].quotes[0].ts == parse_time("2001-01-02T14:30Z")->ts);
  CHECK(r->series[0].quotes[1].ts == parse_time("2001-01-02T14:31Z")->ts);
  auto d = parse(k_good, opt);
  REQUIRE(d);
  CHECK(d->series[0].bars[0].ts == parse_time("2001-01-02")->ts);
}

TEST_CASE("Each bad-row reason names file, line and column", "[marketdata][csv]") {
  const std::string head = "date,open,high,low,close,volume\n2001-01-02,10,11,9,10.5,100\n";
  CHECK(error_of(head + "2001-01-03,11,10.5,11.0,10.8,5\n") == "t.csv:3: column 'high': 10.5 is below low 11.0");
  CHECK(error_of(head + "2001-01-03,11,10.9,9,10.8,5\n") == "t.csv:3: column 'high': 10.9 is below open 11");
  CHECK(error_of(head + "2001-01-03,10,10.9,9,11,5\n") == "t.csv:3: column 'high': 10.9 is below close 11");
  CHECK(error_of(head + "2001-01-03,8,11,9,10,5\n") == "t.csv:3: column 'low': 9 is above open 8");
  CHECK(error_of(head + "2001-01-03,10,11,9,8.5,5\n") == "t.csv:3: column 'low': 9 is above close 8.5");
  CHECK(error_of(head + "2001-01-03,10,11,9,10,-5\n") == "t.csv:3: column 'volume': -5 is negative");
  CHECK(error_of(head + "2001-01-03,10,abc,9,10,5\n") == "t.csv:3: column 'high': 'abc' is not a number");
  CHECK(error_of(head + "2001-01-03,10,inf,9,10,5\n") == "t.csv:3: column 'high': 'inf' is not a finite number");
  CHECK(error_of(head + "2001-01-03,10,nan,9,10,5\n") == "t.csv:3: column 'high': 'nan' is not a finite number");
  CHECK(error_of(head + "2001-01-03,10,,9,10,5\n") == "t.csv:3: column 'high': value is missing");
  CHECK(error_of(head + "2001-01-03,10,11,9\n") == "t.csv:3: expected 6 fields, found 4");
  CHECK(error_of(head + "2001-02-30,10,11,9,10,5\n").starts_with("t.csv:3: column 'date': '2001-02-30' is not a date"));
  CHECK(error_of(head + "2001-01-02,10,11,9,10,5\n") ==
        "t.csv:3: column 'date': 2001-01-02 repeats the time of line 2 (times must increase strictly)");
  CHECK(error_of(head + "\n\n2001-01-01,10,11,9,10,5\n") ==
        "t.csv:5: column 'date': 2001-01-01 is earlier than line 2 (times must increase strictly)");
  CHECK(error_of("datetime,bid,ask\n2001-01-02T10:00Z,1.2,1.1\n") == "t.csv:2: column 'bid': 1.2 is above ask 1.1");
}

TEST_CASE("Skipping invalid rows keeps good rows and counts the rest per reason", "[marketdata][csv]") {
  ImportOptions opt;
  opt.skip_invalid = true;
  auto r = parse("date,open,high,low,close,volume\n"
                 "2001-01-02,10,11,9,10.5,100\n"
                 "2001-01-03,11,10.5,11.0,10.8,5\n"
                 "2001-01-04,10,11,9,10,-1\n"
                 "2001-01-05,10,11,9,10,-2\n"
                 "2001-01-05,10,11,9,10,3\n"
                 "2001-01-08,10,11,9,10,3\n"
                 "2001-01-08,10,11,9,10,3\n",
                 opt);
  REQUIRE(r);
  CHECK(r->series[0].bars.size() == 3);
  CHECK(r->skipped.total() == 4);
  CHECK(r->skipped.counts.at("high_below_low") == 1);
  CHECK(r->skipped.counts.at("negative_volume") == 2);
  CHECK(r->skipped.counts.at("not_increasing") == 1);
  CHECK(r->skipped.first_message.at("negative_volume") == "t.csv:4: column 'volume': -1 is negative");
  CHECK(r->series[0].lines == std::vector<std::uint32_t>{2, 6, 7});
}

TEST_CASE("Wide files become one close-only series per column", "[marketdata][csv]") {
  ImportOptions opt;
  opt.wide = true;
  auto r = parse("date,AA,axp\n2001-01-02,5.9,4.7\n2001-01-03,NA,4.8\n2001-01-04,6.1,4.9\n", opt);
  REQUIRE(r);
  REQUIRE(r->series.size() == 2);
  CHECK(r->series[0].symbol == "AA");
  CHECK(r->series[1].symbol == "AXP");
  CHECK(r->series[0].bars.size() == 2);
  CHECK(r->series[1].bars[2] == Bar{parse_time("2001-01-04")->ts, 4.9, 4.9, 4.9, 4.9, 0});
}

TEST_CASE("Close-only, quote, header-less and other layouts", "[marketdata][csv]") {
  auto close_only = parse("index,date,close\n1,2001-01-02,100\n2,2001-01-03,101\n");
  REQUIRE(close_only);
  CHECK(close_only->ignored_columns == std::vector<std::string>{"index"});
  CHECK(close_only->series[0].bars[1].high == 101);

  auto bidask = parse("time,bid,ask\n2001-01-02T10:00:00Z,1.1,1.2\n");
  REQUIRE(bidask);
  CHECK(bidask->series[0].kind == SeriesKind::Quotes);
  CHECK(bidask->series[0].timeframe.is_tick());

  auto headerless = parse("2001-01-02,10,11,9,10.5,100\n2001-01-03,10.5,12,10,11,200\n");
  REQUIRE(headerless);
  CHECK(headerless->series[0].bars[1].volume == 200);

  auto semicolons = parse("Date;Open;High;Low;Close\r\n2001-01-02;10;11;9;10.5\r\n2001-01-03;10;11;9;10.5\r\n");
  REQUIRE(semicolons);
  CHECK(semicolons->series[0].bars.size() == 2);

  auto quoted = parse("\"date\",\"close\"\n\"2001-01-02\",\"10.5\"\n\"2001-01-03\",\"10.75\"\n");
  REQUIRE(quoted);
  CHECK(quoted->series[0].bars[1].close == 10.75);

  auto split_time = parse("Date,Time,Open,High,Low,Close\n2001-01-02,14:30,1,2,1,2\n2001-01-02,14:31,1,2,1,2\n");
  REQUIRE(split_time);
  CHECK(split_time->series[0].timeframe.seconds == 60);

  ImportOptions adj;
  adj.adjusted = true;
  auto adjusted = parse("date,open,high,low,close,adj close\n2001-01-02,10,12,8,10,5\n2001-01-03,10,12,8,10,5\n", adj);
  REQUIRE(adjusted);
  CHECK(adjusted->series[0].bars[0] == Bar{parse_time("2001-01-02")->ts, 5, 6, 4, 5, 0});
}

TEST_CASE("Unusable files are refused with a reason", "[marketdata][csv]") {
  CHECK(error_of("") == "t.csv: the file is empty");
  CHECK(error_of("foo,bar\n1,2\n").starts_with("t.csv:1: no time column"));
  CHECK(error_of("date,open,close\n2001-01-02,1,2\n").starts_with("t.csv:1: column 'high' is missing"));
  CHECK(error_of("date,volume\n2001-01-02,1\n").starts_with("t.csv:1: no price columns"));
  CHECK(error_of("date,close\n2001-01-02,1\n").starts_with("t.csv: cannot infer the timeframe"));
  ImportOptions tf;
  tf.timeframe = Timeframe{86'400};
  CHECK(parse("date,close\n2001-01-02,1\n", tf));
}

TEST_CASE("symbol_from_path strips directories and extensions", "[marketdata][csv]") {
  CHECK(symbol_from_path("data/msft.csv") == "MSFT");
  CHECK(symbol_from_path("/x/spy.csv.gz") == "SPY");
  CHECK(symbol_from_path("brk-b") == "BRK-B");
}

namespace {

// A minute file of `rows` rows (about 60 bytes each) with `edit` applied to row `at`.
std::string minute_file(std::size_t rows, const std::function<void(std::size_t, std::string&)>& edit) {
  std::string text = "time,open,high,low,close,volume\n";
  for (std::size_t i = 0; i < rows; ++i) {
    std::string row = std::to_string(1'600'000'000 + 60 * static_cast<std::int64_t>(i)) + ",100.25,101.5,99.75," +
                      std::to_string(100 + static_cast<double>(i % 50) / 100) + "," + std::to_string(1000 + i);
    edit(i, row);
    text += row;
    text += '\n';
  }
  return text;
}

void same_as_one_pass(const std::string& text, bool skip_invalid) {
  ImportOptions split;
  split.skip_invalid = skip_invalid;
  ImportOptions one = split;
  one.one_pass = true;
  const auto a = parse(text, split);
  const auto b = parse(text, one);
  REQUIRE(static_cast<bool>(a) == static_cast<bool>(b));
  if (!a) {
    CHECK(a.error().message == b.error().message);
    return;
  }
  REQUIRE(a->series.size() == 1);
  CHECK(a->series[0].bars == b->series[0].bars);
  CHECK(a->series[0].lines == b->series[0].lines);
  CHECK(a->series[0].timeframe == b->series[0].timeframe);
  CHECK(a->rows_read == b->rows_read);
  CHECK(a->skipped.counts == b->skipped.counts);
  CHECK(a->skipped.first_message == b->skipped.first_message);
}

}  // namespace

TEST_CASE("Large files parse on two threads with exactly the results of one pass", "[marketdata][csv]") {
  const std::size_t rows = 120'000;  // about 7 MB: split in two
  const auto none = [](std::size_t, std::string&) {};
  const std::string good = minute_file(rows, none);
  REQUIRE(good.size() > (std::size_t{5} << 20));
  same_as_one_pass(good, false);
  const auto parsed = parse(good);
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed);
  CHECK(parsed->series[0].bars.size() == rows);
  CHECK(parsed->series[0].lines.back() == rows + 1);
  // A bad row anywhere, and bad rows in both halves (the first one is reported), with and
  // without --skip-invalid; times that go back inside a half and at every row near the cut.
  for (const std::size_t at : {std::size_t{3}, rows / 3, rows / 2 - 1, rows / 2, rows / 2 + 1, rows - 1}) {
    INFO("row " << at);
    const std::string bad_value = minute_file(rows, [&](std::size_t i, std::string& row) {
      if (i == at || i == rows - 2) row += "x";
    });
    same_as_one_pass(bad_value, false);
    same_as_one_pass(bad_value, true);
  }
  for (std::size_t at = rows / 2 - 6; at <= rows / 2 + 6; ++at) {  // the cut is among these rows
    INFO("back in time at row " << at);
    const std::string back = minute_file(rows, [&](std::size_t i, std::string& row) {
      if (i == at) row = std::to_string(1'600'000'000 + 60 * static_cast<std::int64_t>(i) - 600) + ",1,2,0.5,1.5,10";
    });
    same_as_one_pass(back, false);
    same_as_one_pass(back, true);
  }
}

namespace {

// Every batch of a stream over `text` (written to a file) joined, as one parse would give it.
Expected<ParsedFile> stream_all(const std::string& text, const ImportOptions& opt, std::size_t block_bytes) {
  const std::string path = std::filesystem::temp_directory_path() /
                           ("aiots-csv-stream-" + std::to_string(::getpid()) + ".csv");
  std::ofstream(path, std::ios::binary) << text;
  auto stream = MarketCsvStream::open(path, "t.csv", opt, block_bytes);
  std::filesystem::remove(path);  // the open file stays readable
  if (!stream) return tl::unexpected(stream.error());
  ParsedFile out;
  std::vector<ParsedSeries> batch;
  for (bool more = true; more;) {
    auto next = stream->next(batch);
    if (!next) return tl::unexpected(next.error());
    more = *next;
    out.series.resize(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      ParsedSeries& s = out.series[i];
      s.symbol = batch[i].symbol;
      s.timeframe = batch[i].timeframe;
      s.kind = batch[i].kind;
      s.bars.insert(s.bars.end(), batch[i].bars.begin(), batch[i].bars.end());
      s.quotes.insert(s.quotes.end(), batch[i].quotes.begin(), batch[i].quotes.end());
      s.lines.insert(s.lines.end(), batch[i].lines.begin(), batch[i].lines.end());
      CHECK(stream->rows_of(i) == s.lines.size());
    }
  }
  std::erase_if(out.series, [](const ParsedSeries& s) { return s.lines.empty(); });
  out.source = stream->file().source;
  out.rows_read = stream->file().rows_read;
  out.ignored_columns = stream->file().ignored_columns;
  out.skipped = stream->file().skipped;
  return out;
}

void stream_same_as_whole(const std::string& text, ImportOptions opt = {}) {
  const auto whole = parse(text, opt);
  for (std::size_t block : {std::size_t{1}, std::size_t{700}, std::size_t{4096}, std::size_t{8} << 20}) {
    INFO("blocks of " << block << " bytes");
    const auto streamed = stream_all(text, opt, block);
    REQUIRE(static_cast<bool>(streamed) == static_cast<bool>(whole));
    if (!whole) {
      CHECK(streamed.error().message == whole.error().message);
      continue;
    }
    REQUIRE(streamed->series.size() == whole->series.size());
    for (std::size_t i = 0; i < whole->series.size(); ++i) {
      CHECK(streamed->series[i].symbol == whole->series[i].symbol);
      CHECK(streamed->series[i].timeframe == whole->series[i].timeframe);
      CHECK(streamed->series[i].kind == whole->series[i].kind);
      CHECK(streamed->series[i].bars == whole->series[i].bars);
      CHECK(streamed->series[i].quotes.size() == whole->series[i].quotes.size());
      CHECK(streamed->series[i].lines == whole->series[i].lines);
    }
    CHECK(streamed->rows_read == whole->rows_read);
    CHECK(streamed->ignored_columns == whole->ignored_columns);
    CHECK(streamed->skipped.counts == whole->skipped.counts);
    CHECK(streamed->skipped.first_message == whole->skipped.first_message);
  }
}

}  // namespace

TEST_CASE("A file parsed block by block gives exactly what a whole-file parse gives", "[marketdata][csv][stream]") {
  const auto none = [](std::size_t, std::string&) {};
  const std::size_t rows = 6000;  // the timeframe is inferred from 4097 rows, over many blocks
  stream_same_as_whole(minute_file(rows, none));
  for (const std::size_t at : {std::size_t{0}, std::size_t{11}, std::size_t{4096}, std::size_t{4097}, rows - 1}) {
    INFO("bad row " << at);
    const std::string bad = minute_file(rows, [&](std::size_t i, std::string& row) {
      if (i == at || i == rows - 3) row += "x";
    });
    stream_same_as_whole(bad);
    ImportOptions skip;
    skip.skip_invalid = true;
    stream_same_as_whole(bad, skip);
    const std::string back = minute_file(rows, [&](std::size_t i, std::string& row) {
      if (i == at) row = std::to_string(1'600'000'000 + 60 * static_cast<std::int64_t>(i) - 600) + ",1,2,0.5,1.5,10";
    });
    stream_same_as_whole(back);
    stream_same_as_whole(back, skip);
  }
  ImportOptions hourly;
  hourly.timeframe = Timeframe{3600};
  stream_same_as_whole(minute_file(rows, none), hourly);
  // Layouts: CRLF, comments and blank lines, no final newline, quotes, no header.
  stream_same_as_whole("date,open,high,low,close\r\n# note\r\n\r\n2001-01-02,1,2,0.5,1.5\r\n2001-01-03,1,2,0.5,1.5");
  stream_same_as_whole("time,price\n1600000000,10\n1600000001,10.5\n1600000003,10.25\n");
  stream_same_as_whole("1600000000,1,2,0.5,1.5\n1600000060,1,2,0.5,1.5\n1600000120,1,2,0.5,1.5\n");
  // Wide: a column that is NA until late still gets its timeframe from its own first rows.
  std::string wide = "date,AAA,BBB,CCC\n";
  for (int d = 0; d < 5000; ++d) {
    wide += std::to_string(11'000 * 86'400 + d * 86'400) + "," + std::to_string(10 + d % 7) + "," +
            (d < 4500 ? std::string("NA") : std::to_string(20 + d % 3)) + ",NA\n";
  }
  ImportOptions wide_opt;
  wide_opt.wide = true;
  stream_same_as_whole(wide, wide_opt);
  // Unusable files.
  stream_same_as_whole("");
  stream_same_as_whole("date,open,high,low,close\n");
  stream_same_as_whole("date,open,high,low,close\n2001-01-02,x,2,0.5,1.5\n", ImportOptions{.skip_invalid = true});
}

TEST_CASE("A CSV file streamed into a backtest hands over every bar in the range, hashed as a whole parse is",
          "[marketdata][csv][stream]") {
  const auto none = [](std::size_t, std::string&) {};
  const std::size_t rows = 120'000;  // several 2 MiB blocks
  const std::string path = std::filesystem::temp_directory_path() / ("aiots-csv-bars-" + std::to_string(::getpid()) + ".csv");
  const auto whole_of = [&](const std::string& text) {
    auto parsed = parse_market_csv(text, path, {});
    REQUIRE(parsed);
    return parsed->series[0].bars;
  };
  const auto hash_of = [&](const std::string& symbol, const std::vector<Bar>& bars) {
    BarsDigest digest;
    digest.begin_series(symbol);
    digest.add(bars);
    return digest.hex();
  };
  SECTION("every bar, or a range, taken whole or not at all") {
    const std::string text = minute_file(rows, none);
    std::ofstream(path) << text;
    const std::vector<Bar> all = whole_of(text);
    const Timestamp from = all[1000].ts, to = all[100'000].ts;
    for (const bool take : {true, false}) {
      for (const bool ranged : {false, true}) {
        INFO("take " << take << ", ranged " << ranged);
        std::vector<Bar> expected = all;
        if (ranged) std::erase_if(expected, [&](const Bar& b) { return b.ts < from || b.ts > to; });
        auto stream = CsvBarStream::open(path, {}, ranged ? std::optional(from) : std::nullopt,
                                         ranged ? std::optional(to) : std::nullopt, 251);
        REQUIRE(stream);
        std::vector<Bar> got;
        if (take) {
          for (auto run = (*stream)->next(0); !run.empty(); run = (*stream)->next(0)) got.insert(got.end(), run.begin(), run.end());
          CHECK(got == expected);
        }
        auto result = (*stream)->finish();
        REQUIRE(result);
        CHECK(result->summary.count() == expected.size());
        CHECK(result->summary.last() == expected.back().ts);
        CHECK(result->sha256 == hash_of((*stream)->symbol(), expected));
      }
    }
  }
  SECTION("a bad row after the first block is the stream's error, with its line") {
    std::ofstream(path) << minute_file(rows, [&](std::size_t i, std::string& row) {
      if (i == rows - 10) row += "x";
    });
    auto stream = CsvBarStream::open(path, {}, std::nullopt, std::nullopt, 10);
    REQUIRE(stream);
    CHECK_FALSE((*stream)->next(0).empty());
    auto result = (*stream)->finish();
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find(":" + std::to_string(rows - 10 + 2) + ": ") != std::string::npos);
  }
  std::filesystem::remove(path);
}
