// aiots_bench: the speed figures behind the issues' targets, each with a baseline measured in
// the same run. Run through `make bench`. Exits 0 even when a target is missed (it reports).
#include <cstdio>

#include "report.hpp"

namespace aiots::bench {
void run_market_data_benchmarks();
void run_indicator_benchmarks();
void run_backtest_benchmarks();
void run_daemon_benchmarks();
}  // namespace aiots::bench

int main() {
  std::printf("aiots benchmarks (single thread; figures are per second unless noted)\n");
  aiots::bench::run_backtest_benchmarks();
  aiots::bench::run_market_data_benchmarks();
  aiots::bench::run_indicator_benchmarks();
  aiots::bench::run_daemon_benchmarks();
  std::printf("\n%d target(s) missed\n", aiots::bench::missed_targets());
  return 0;
}
