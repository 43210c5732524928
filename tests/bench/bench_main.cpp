// aiots_bench: the speed figures behind the issues' targets, each with a baseline measured in
// the same run. Run through `make bench`. Exits 0 even when a target is missed (it reports).
#include <cstdio>
#include <cstring>

#include "report.hpp"

namespace aiots::bench {
void run_market_data_benchmarks();
void run_indicator_benchmarks();
void run_backtest_benchmarks();
void run_daemon_benchmarks();
void run_options_benchmarks();
void run_risk_benchmarks();
void run_restart_benchmarks();
void run_process_benchmarks();
void run_sweep_benchmarks();
void run_http_benchmarks();
}  // namespace aiots::bench

// `aiots_bench [SECTION...]` runs only the named sections (backtest, market-data, indicators,
// process, sweep, daemon, options, risk, restart, http); no argument runs them all.
int main(int argc, char** argv) {
  auto wanted = [&](const char* name) {
    if (argc < 2) return true;
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], name) == 0) return true;
    }
    return false;
  };
  std::printf("aiots benchmarks (single thread; figures are per second unless noted)\n");
  // What users see first: whole processes, spawn to exit.
  if (wanted("process")) aiots::bench::run_process_benchmarks();
  if (wanted("sweep")) aiots::bench::run_sweep_benchmarks();
  if (wanted("backtest")) aiots::bench::run_backtest_benchmarks();
  if (wanted("market-data")) aiots::bench::run_market_data_benchmarks();
  if (wanted("indicators")) aiots::bench::run_indicator_benchmarks();
  if (wanted("daemon")) aiots::bench::run_daemon_benchmarks();
  if (wanted("options")) aiots::bench::run_options_benchmarks();
  if (wanted("risk")) aiots::bench::run_risk_benchmarks();
  if (wanted("restart")) aiots::bench::run_restart_benchmarks();
  if (wanted("http")) aiots::bench::run_http_benchmarks();
  std::printf("\n%d target(s) missed\n", aiots::bench::missed_targets());
  return 0;
}
