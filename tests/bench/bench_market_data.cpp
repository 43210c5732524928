// Parse, import and load throughput on a generated 1,000,000-row minute CSV.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <sqlite3.h>
#include <unistd.h>

#include "engine/bars/bar.hpp"
#include "marketdata/csv_import.hpp"
#include "report.hpp"
#include "store/market_store.hpp"

namespace aiots::bench {
namespace {

constexpr std::size_t k_rows = 1'000'000;

// Minute bars of a random walk, as a CSV a data vendor would ship.
std::string make_csv() {
  std::mt19937_64 rng(1);
  std::string csv = "datetime,open,high,low,close,volume\n";
  csv.reserve(k_rows * 70);
  double price = 100;
  Timestamp ts = parse_time("2020-01-01T00:00:00Z")->ts;
  char line[160];
  for (std::size_t i = 0; i < k_rows; ++i) {
    const double open = price;
    price += static_cast<double>(static_cast<int>(rng() % 201) - 100) / 1000;
    const double hi = std::max(open, price) + static_cast<double>(rng() % 50) / 1000;
    const double lo = std::min(open, price) - static_cast<double>(rng() % 50) / 1000;
    const std::string t = format_time(ts);
    std::snprintf(line, sizeof line, "%s,%.3f,%.3f,%.3f,%.3f,%llu\n", t.c_str(), open, hi, lo, price,
                  static_cast<unsigned long long>(rng() % 100000));
    csv += line;
    ts += 60 * k_ns_per_second;
  }
  return csv;
}

// Baseline for parsing: the cost of merely finding every line end in the same text.
double count_lines_seconds(const std::string& csv, std::size_t& lines) {
  return seconds([&] {
    lines = 0;
    const char* p = csv.data();
    const char* end = p + csv.size();
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) != nullptr) {
      ++lines;
      ++p;
    }
  });
}

// Baseline for import and load: bare sqlite3 prepared statements on the same table layout.
void raw_sqlite(const std::string& path, const std::vector<Bar>& bars, double& insert_s, double& select_s) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
               "CREATE TABLE bars (series_id INTEGER, ts INTEGER, open REAL, high REAL, low REAL, close REAL, "
               "volume REAL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO bars VALUES (1, ?, ?, ?, ?, ?, ?)", -1, &ins, nullptr);
  insert_s = seconds([&] {
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (const Bar& b : bars) {
      sqlite3_bind_int64(ins, 1, b.ts);
      sqlite3_bind_double(ins, 2, b.open);
      sqlite3_bind_double(ins, 3, b.high);
      sqlite3_bind_double(ins, 4, b.low);
      sqlite3_bind_double(ins, 5, b.close);
      sqlite3_bind_double(ins, 6, b.volume);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  });
  sqlite3_finalize(ins);
  sqlite3_stmt* sel = nullptr;
  sqlite3_prepare_v2(db, "SELECT ts, open, high, low, close, volume FROM bars WHERE series_id = 1 ORDER BY ts", -1, &sel,
                     nullptr);
  std::vector<Bar> out;
  out.reserve(bars.size());
  select_s = seconds([&] {
    while (sqlite3_step(sel) == SQLITE_ROW) {
      out.push_back(Bar{sqlite3_column_int64(sel, 0), sqlite3_column_double(sel, 1), sqlite3_column_double(sel, 2),
                        sqlite3_column_double(sel, 3), sqlite3_column_double(sel, 4), sqlite3_column_double(sel, 5)});
    }
  });
  sqlite3_finalize(sel);
  sqlite3_close(db);
}

}  // namespace

void run_market_data_benchmarks() {
  section("market data: 1,000,000 one-minute bars");
  const std::string csv = make_csv();
  const double mb = static_cast<double>(csv.size()) / 1e6;
  std::printf("  generated CSV: %.1f MB\n", mb);

  std::size_t lines = 0;
  const double scan_s = count_lines_seconds(csv, lines);
  Expected<ParsedFile> parsed = data_error("not run");
  const double parse_s = seconds([&] { parsed = parse_market_csv(csv, "bench.csv", ImportOptions{}); });
  if (!parsed || parsed->series[0].bars.size() != k_rows) {
    std::printf("  parse failed: %s\n", parsed ? "row count" : parsed.error().message.c_str());
    return;
  }
  const std::vector<Bar>& bars = parsed->series[0].bars;
  if (lines != k_rows + 1) {
    std::printf("  line scan found %zu lines\n", lines);
  }
  figure("parse (CSV -> validated bars)", mb / parse_s, "MB/s", mb / scan_s, "memchr line scan");
  figure("parse rows", static_cast<double>(k_rows) / parse_s, "rows/s", 0, "");

  const std::string dir = std::filesystem::temp_directory_path() / ("aiots-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  double raw_insert_s = 0;
  double raw_select_s = 0;
  raw_sqlite(dir + "/raw.db", bars, raw_insert_s, raw_select_s);

  auto store = MarketStore::open(dir + "/aiots.db");
  if (!store) {
    std::printf("  cannot open store: %s\n", store.error().message.c_str());
    return;
  }
  std::int64_t id = 0;
  const double import_s = seconds([&] {
    Transaction tx(store->db());
    (void)tx.begin();
    id = *store->ensure_series("BENCH", Timeframe{60}, SeriesKind::Bars);
    (void)store->write_bars(id, bars, false);
    (void)tx.commit();
  });
  const double n = static_cast<double>(k_rows);
  figure("import into SQLite (write+commit)", n / import_s, "bars/s", n / raw_insert_s, "raw sqlite3 inserts", 500'000);
  figure("parse + import (whole file)", n / (parse_s + import_s), "bars/s", 0, "");

  std::size_t loaded = 0;
  const double load_s = seconds([&] { loaded = store->load_bars(id)->size(); });
  figure("load from store", n / load_s, "bars/s", n / raw_select_s, "raw sqlite3 select", 3'000'000);
  if (loaded != k_rows) {
    std::printf("  load returned %zu rows, expected %zu\n", loaded, k_rows);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace aiots::bench
