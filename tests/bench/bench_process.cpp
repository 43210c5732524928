// What users run, from spawn to exit with peak RSS: `aiots data import` of a minute-bar CSV,
// `aiots backtest` of sma_crossover from the store and from the CSV (the run recorded), and
// `aiots indicators`, at 1M and 10M rows. Baselines from the same run: a plain C++ SMA-crossover
// loop over the same bars in memory, and (when python3 is present) a minimal event-driven
// Python loop of the same strategy over the same CSV, spawn to exit.
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include "process_run.hpp"
#include "report.hpp"

extern char** environ;

namespace aiots::bench {
namespace {

namespace fs = std::filesystem;

struct Series {
  std::vector<double> close;
};

// A deterministic random walk of one-minute bars, written as CSV (and kept in memory).
Series write_csv(const fs::path& file, std::size_t rows) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> step(0.0, 0.0008);
  Series s;
  s.close.reserve(rows);
  std::ofstream out(file);
  out << "datetime,open,high,low,close,volume\n";
  double price = 100;
  long long t = 1'577'975'400;  // 2020-01-02T14:30:00Z
  char line[160];
  for (std::size_t i = 0; i < rows; ++i, t += 60) {
    const double open = price;
    price *= std::exp(step(rng));
    const double high = std::max(open, price) * 1.0003;
    const double low = std::min(open, price) * 0.9997;
    const std::time_t tt = t;
    std::tm tm{};
    gmtime_r(&tt, &tm);
    const int n = std::snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:00Z,%.4f,%.4f,%.4f,%.4f,%d\n", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, open, high, low, price,
                                1000 + static_cast<int>(i % 997));
    out.write(line, n);
    s.close.push_back(std::round(price * 1e4) / 1e4);
  }
  return s;
}

// sma_crossover (fast 10, slow 30, 100 shares) as the tightest C++ loop: the floor.
double plain_loop(const Series& s) {
  double position = 0;
  double cash = 100'000;
  double fast_sum = 0;
  double slow_sum = 0;
  const std::size_t fast = 10;
  const std::size_t slow = 30;
  for (std::size_t i = 0; i < s.close.size(); ++i) {
    fast_sum += s.close[i] - (i >= fast ? s.close[i - fast] : 0);
    slow_sum += s.close[i] - (i >= slow ? s.close[i - slow] : 0);
    if (i + 1 < slow) continue;
    const bool up = fast_sum / fast > slow_sum / slow;
    if (up && position == 0) {
      position = 100;
      cash -= 100 * s.close[i];
    } else if (!up && position > 0) {
      position = 0;
      cash += 100 * s.close[i];
    }
  }
  return cash + position * s.close.back();
}

// The same strategy as a minimal event-driven Python loop over the CSV (bar objects, a strategy
// callback per bar, a broker filling at the next open): what Python backtesters cannot beat.
const char* k_python = R"PY(
import csv, sys
from collections import deque
class Bar:
    __slots__ = ("ts", "open", "high", "low", "close", "volume")
    def __init__(self, row):
        self.ts = row[0]; self.open = float(row[1]); self.high = float(row[2])
        self.low = float(row[3]); self.close = float(row[4]); self.volume = float(row[5])
class Broker:
    def __init__(self): self.cash = 100000.0; self.position = 0; self.pending = []
    def on_bar(self, bar):
        for qty in self.pending:
            self.cash -= qty * bar.open; self.position += qty
        self.pending = []
    def submit(self, qty): self.pending.append(qty)
class SmaCross:
    def __init__(self, fast=10, slow=30):
        self.fast = deque(maxlen=fast); self.slow = deque(maxlen=slow)
    def on_bar(self, bar, broker):
        self.fast.append(bar.close); self.slow.append(bar.close)
        if len(self.slow) < self.slow.maxlen: return
        up = sum(self.fast) / len(self.fast) > sum(self.slow) / len(self.slow)
        if up and broker.position == 0: broker.submit(100)
        elif not up and broker.position > 0: broker.submit(-broker.position)
broker = Broker(); strategy = SmaCross()
with open(sys.argv[1]) as f:
    rows = csv.reader(f); next(rows)
    for row in rows:
        bar = Bar(row); broker.on_bar(bar); strategy.on_bar(bar, broker)
print(broker.cash)
)PY";

// Bars per second of the two backtests of one size (0 when a run failed).
struct BacktestRates {
  double store = 0;
  double csv = 0;
};

BacktestRates whole_process(const fs::path& dir, std::size_t rows, const std::string& label) {
  BacktestRates rates;
  const fs::path csv = dir / ("bars" + label + ".csv");
  const fs::path store = dir / ("store" + label + ".db");
  Series series;
  const double wrote = seconds([&] { series = write_csv(csv, rows); });
  std::printf("  %-34s %10.1f s (%zu rows, %.0f MB)\n", ("wrote CSV " + label).c_str(), wrote, rows,
              static_cast<double>(fs::file_size(csv)) / 1e6);
  const std::string aiots = AIOTS_BINARY_DIR "/cli/aiots";
  const std::string strategy = AIOTS_SOURCE_DIR "/plugins/strategies/sma_crossover.lua";
  const std::vector<std::string> env = {"AIOTS_DB=" + store.string()};
  const double n = static_cast<double>(rows);
  double plain_s = 0;
  volatile double sink = 0;
  plain_s = seconds([&] { sink = plain_loop(series); });
  (void)sink;
  figure("plain C++ loop " + label + " (baseline)", n / plain_s, "bars/s", 0, "");

  const ProcessRun import = run_process({aiots, "-q", "data", "import", csv.string(), "--symbol", "BENCH"}, env);
  if (import.seconds < 0) {
    std::printf("  aiots data import failed\n");
    return rates;
  }
  figure("`data import` " + label, n / import.seconds, "rows/s", 0, "");
  figure("`data import` " + label + " peak RSS", import.peak_mb, "MB", 0, "", 200, true);

  // The CSV and the store were just written (1.2 GB at 10M): let the kernel write them back
  // before timing, or its writeback competes with the backtests (a store is imported once and
  // backtested many times later).
  ::sync();
  const int runs = rows <= 1'000'000 ? 3 : 2;
  // 10 shares: the walk spans 12 to 587 over 10M bars, so 100 shares would be refused by the 10%
  // position limit wherever the price is above 100 (the first 1M bars almost throughout: 24
  // fills there against 311,760 over 10M). With 10 every crossover trades at both sizes, so
  // the two runs do the same work per bar and their ratio measures length alone.
  const ProcessRun from_store =
      best_of(runs, {aiots, "-q", "--json", "backtest", strategy, "--data", "BENCH", "-p", "qty=10"}, env);
  const ProcessRun from_csv =
      best_of(runs, {aiots, "-q", "--json", "backtest", strategy, "--data", csv.string(), "-p", "qty=10"}, env);
  if (from_store.seconds > 0) {
    rates.store = n / from_store.seconds;
    figure("`backtest` from store " + label, n / from_store.seconds, "bars/s", 0, "", 2'500'000);
    figure("  its time over the plain loop's", from_store.seconds / plain_s, "x", 0, "");
    figure("`backtest` from store " + label + " peak RSS", from_store.peak_mb, "MB", 0, "", 150, true);
  }
  if (from_csv.seconds > 0) {
    rates.csv = n / from_csv.seconds;
    figure("`backtest` from CSV " + label, n / from_csv.seconds, "bars/s", 0, "", 2'000'000);
    figure("  its time over the plain loop's", from_csv.seconds / plain_s, "x", 0, "");
    figure("`backtest` from CSV " + label + " peak RSS", from_csv.peak_mb, "MB", 0, "", 150, true);
  }
  const ProcessRun indicators = run_process({aiots, "-q", "indicators", "BENCH", "-i", "sma(20),rsi(14)"}, env);
  if (indicators.seconds > 0) {
    figure("`indicators sma rsi` " + label, n / indicators.seconds, "bars/s", 0, "");
    figure("`indicators sma rsi` " + label + " peak RSS", indicators.peak_mb, "MB", 0, "");
  }
  if (rows <= 1'000'000 && run_process({"python3", "-c", "pass"}).seconds >= 0) {
    const fs::path script = dir / "sma.py";
    std::ofstream(script) << k_python;
    const ProcessRun py = run_process({"python3", script.string(), csv.string()});
    if (py.seconds > 0 && from_csv.seconds > 0) {
      figure("python3 event loop " + label, n / py.seconds, "bars/s", 0, "");
      figure("`backtest` from CSV vs python3 loop", py.seconds / from_csv.seconds, "x faster", 0, "");
    }
  }
  if (std::getenv("AIOTS_BENCH_KEEP") == nullptr) {  // set: keep the files to profile them
    fs::remove(csv);
    fs::remove(store);
  }
  return rates;
}

}  // namespace

void run_process_benchmarks() {
  section("whole process (spawn to exit, peak RSS): import, backtest from store and CSV (best of 3 at 1M, of 2 at 10M), indicators");
  const fs::path dir = fs::temp_directory_path() / ("aiots-bench-process-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const BacktestRates small = whole_process(dir, 1'000'000, "1M");
  const BacktestRates large = whole_process(dir, 10'000'000, "10M");
  // Memory bounded by design also means no slowdown with length: 10M within 10% of 1M.
  if (small.store > 0 && large.store > 0) {
    figure("`backtest` from store, 10M over 1M bars/s", large.store / small.store, "x", 0, "", 0.90);
  }
  if (small.csv > 0 && large.csv > 0) {
    figure("`backtest` from CSV, 10M over 1M bars/s", large.csv / small.csv, "x", 0, "", 0.90);
  }
  if (std::getenv("AIOTS_BENCH_KEEP") == nullptr) fs::remove_all(dir);
}

}  // namespace aiots::bench
