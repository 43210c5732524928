// A run keeps its equity curve whole only when asked: the bounded record must give the metrics,
// the risk report's recent points and a chart the same as the whole curve would, in memory
// that does not grow with the number of bars.
#include <catch2/catch.hpp>

#include "engine/core/equity_history.hpp"
#include "engine/core/thinned.hpp"
#include "engine/metrics/metrics.hpp"

using namespace aiots;

TEST_CASE("Thinned keeps a bounded, evenly spaced subset ending with the last value", "[engine][equity]") {
  for (std::size_t n : {0, 1, 7, 8, 9, 100, 1000, 12345}) {
    INFO(n << " values");
    Thinned<std::size_t> t(4);
    for (std::size_t i = 0; i < n; ++i) t.add(i);
    const std::vector<std::size_t> v = t.values();
    CHECK(v.size() <= 2 * 4 + 1);
    if (n == 0) {
      CHECK(v.empty());
      continue;
    }
    CHECK(v.front() == 0);
    CHECK(v.back() == n - 1);
    // Every kept value but the last is a multiple of the final stride, in order, none missing.
    for (std::size_t i = 0; i + 1 < v.size(); ++i) CHECK(v[i] == i * t.stride());
    if (n < 8) CHECK(v.size() == n);  // all kept until 2 x capacity arrive
  }
}

TEST_CASE("A bounded equity history gives the whole curve's metrics and recent points", "[engine][equity]") {
  EquityHistory all(true, 300);
  EquityHistory bounded(false, 300);
  // Three years of minute points (390 a session, weekends skipped) with a drawdown in the middle.
  const Timestamp day0 = 17'000 * k_ns_per_day;
  std::size_t points = 0;
  for (int d = 0; d < 3 * 365; ++d) {
    if (d % 7 >= 5) continue;
    for (int m = 0; m < 390; ++m) {
      const double x = static_cast<double>(points++);
      const double equity = 100'000 + 20 * x / 390 - (d > 400 && d < 500 ? 3000.0 * (d - 400) / 100 : 0) +
                            50 * std::sin(x / 37);
      const EquityPoint p{day0 + d * k_ns_per_day + (14 * 3600 + 30 * 60 + m * 60) * k_ns_per_second,
                          Money::from(equity)};
      const bool invested = (points / 1000) % 3 != 0;
      all.add(p, invested);
      bounded.add(p, invested);
    }
  }
  REQUIRE(points > 300'000);
  CHECK(bounded.size() == all.size());
  CHECK(bounded.invested_points() == all.invested_points());
  CHECK(bounded.all().empty());
  CHECK(all.all().size() == points);
  CHECK(bounded.daily().ts == daily_series(all.all()).ts);
  CHECK(bounded.daily().value == daily_series(all.all()).value);
  for (std::size_t n : {1, 2, 251, 300}) CHECK(bounded.recent_values(n) == all.recent_values(n));
  CHECK(bounded.first()->ts == all.all().front().ts);

  PerformanceMetrics from_all, from_bounded;
  compute_return_metrics(daily_series(all.all()), from_all);
  compute_return_metrics(bounded.daily(), from_bounded);
  CHECK(from_bounded.sharpe == from_all.sharpe);
  CHECK(from_bounded.max_drawdown == from_all.max_drawdown);
  CHECK(from_bounded.max_drawdown < -0.01);

  const std::vector<EquityPoint> chart = bounded.for_chart();
  CHECK(chart.size() <= 2 * 4096 + 1);
  CHECK(chart.size() > 4096);
  CHECK(chart.front().ts == all.all().front().ts);
  CHECK(chart.back().ts == all.all().back().ts);
  CHECK(all.for_chart().size() == points);
}
