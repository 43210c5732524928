// `aiots sweep` as users run it, spawn to exit: its runs per second against one `aiots backtest`
// process per run (what a shell loop or another tool's sweep does), the gain of a second worker,
// and peak memory at 1,000 and 10,000 runs (it must not grow with the number of runs).
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "process_run.hpp"
#include "report.hpp"

namespace aiots::bench {
namespace {

namespace fs = std::filesystem;

}  // namespace

void run_sweep_benchmarks() {
  section("sweeps (whole processes: 30 Dow stocks, 2,529 daily bars each, sma_crossover)");
  const fs::path dir = fs::temp_directory_path() / ("aiots-bench-sweep-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string aiots = AIOTS_BINARY_DIR "/cli/aiots";
  const std::string strategy = AIOTS_SOURCE_DIR "/plugins/strategies/sma_crossover.lua";
  const std::vector<std::string> env = {"AIOTS_DB=" + (dir / "store.db").string()};
  if (run_process({aiots, "-q", "data", "import", "--wide", AIOTS_SOURCE_DIR "/examples/data/dowjones30_close.csv"}, env)
          .seconds < 0) {
    std::printf("  (import failed; section skipped)\n");
    fs::remove_all(dir);
    return;
  }
  // 8 symbols x 6 x 10 points = 480 runs.
  const std::vector<std::string> grid = {aiots,      "-q",     "sweep",          strategy,  "--symbols",
                                         "MSFT,IBM,KO,GE,HD,AA,AXP,BA",     "-g",      "fast=5..30:5",
                                         "-g",       "slow=40..130:10", "--progress", "none"};
  auto with = [&](std::vector<std::string> args, std::initializer_list<std::string> more) {
    args.insert(args.end(), more);
    return args;
  };
  const ProcessRun two = best_of(2, with(grid, {"--jobs", "2"}), env);
  const ProcessRun one = best_of(2, with(grid, {"--jobs", "1"}), env);
  // The baseline: 16 of the same runs, each its own `aiots backtest` process (recording nothing).
  double loop = 0;
  const int samples = 16;
  for (int i = 0; i < samples && loop >= 0; ++i) {
    const ProcessRun r = run_process({aiots, "-q", "backtest", strategy, "--data", i % 2 ? "IBM" : "MSFT", "-p",
                                      "fast=" + std::to_string(5 + 5 * (i % 6)), "-p",
                                      "slow=" + std::to_string(40 + 10 * (i % 10)), "--no-record"},
                                     env);
    loop = r.seconds < 0 ? -1 : loop + r.seconds;
  }
  if (two.seconds < 0 || one.seconds < 0 || loop < 0) {
    std::printf("  (a process failed; section skipped)\n");
    fs::remove_all(dir);
    return;
  }
  const double runs = 480;
  const double per_process = samples / loop;
  figure("sweep, 480 runs, --jobs 2 (runs/s)", runs / two.seconds, "runs/s", per_process,
         "one `aiots backtest` process per run", 10);
  figure("sweep, 480 runs, --jobs 1 (runs/s)", runs / one.seconds, "runs/s", per_process,
         "one `aiots backtest` process per run");
  figure("second worker: --jobs 2 over --jobs 1", one.seconds / two.seconds, "x", 0, "", 1.6);
  // Memory must not grow with the number of runs: random points, one symbol, 1k and 10k runs.
  const std::vector<std::string> random = {aiots, "-q", "sweep", strategy, "--symbols", "MSFT", "-g", "fast=2..60",
                                           "-g", "slow=61..250", "--progress", "none", "--jobs", "2", "--random"};
  const ProcessRun small = run_process(with(random, {"1000"}), env);
  const ProcessRun large = run_process(with(random, {"10000"}), env);
  if (small.seconds > 0 && large.seconds > 0) {
    figure("peak RSS, 1,000 runs", small.peak_mb, "MB", 0, "");
    figure("peak RSS, 10,000 runs, over 1,000 runs", large.peak_mb / small.peak_mb, "x", 0, "", 1.2, true);
    figure("10,000 runs (runs/s)", 10000 / large.seconds, "runs/s", 1000 / small.seconds, "1,000 runs");
  }
  fs::remove_all(dir);
}

}  // namespace aiots::bench
