// Metrics against the tseries/R oracle: the close series treated as an equity curve.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/metrics/metrics.hpp"
#include "marketdata/csv_import.hpp"
#include "marketdata/input_file.hpp"
#include "oracle_csv.hpp"

using namespace aiots;

namespace {
void check_close(double ours, double oracle, const char* what) {
  INFO(what << ": ours " << ours << ", oracle " << oracle);
  CHECK(std::fabs(ours - oracle) <= 1e-9 * std::max(1.0, std::fabs(oracle)));
}
}  // namespace

TEST_CASE("Return metrics match the oracle on msft and ttrc", "[engine][metrics][oracle]") {
  for (const std::string dataset : {"msft", "ttrc"}) {
    INFO(dataset);
    const auto text = read_input(test::data_dir() + "/market/" + dataset + ".csv");
    REQUIRE(text);
    const auto file = parse_market_csv(*text, dataset, ImportOptions{});
    REQUIRE(file);
    DailySeries daily;
    for (const Bar& b : file->series[0].bars) {
      daily.ts.push_back(b.ts);
      daily.value.push_back(b.close);
    }
    std::ifstream in(test::data_dir() + "/oracle-metrics/" + dataset + "_metrics.json");
    const auto oracle = nlohmann::json::parse(in)["hand"];
    PerformanceMetrics m;
    compute_return_metrics(daily, m);
    check_close(m.total_return, oracle["total_return"], "total_return");
    check_close(m.volatility, oracle["ann_vol_sqrt252"], "volatility");
    check_close(m.sharpe, oracle["sharpe_simple_ann"], "sharpe");
    check_close(m.sortino, oracle["sortino_ann"], "sortino");
    check_close(m.cagr_252, oracle["cagr_252"], "cagr_252");
    check_close(m.cagr, oracle["cagr_calendar"], "cagr_calendar");
    check_close(m.max_drawdown, oracle["max_drawdown_pct"], "max_drawdown");
    CHECK(format_time(m.drawdown_peak, true) == oracle["mdd_peak_date"].get<std::string>());
    CHECK(format_time(m.drawdown_trough, true) == oracle["mdd_trough_date"].get<std::string>());
    REQUIRE(m.drawdown_recovery);
    CHECK(format_time(*m.drawdown_recovery, true) == oracle["mdd_recovery_date"].get<std::string>());
  }
}

TEST_CASE("Daily sampling keeps the last point of each day", "[engine][metrics]") {
  std::vector<EquityPoint> curve = {{k_ns_per_day + 1, Money::from(100)},
                                    {k_ns_per_day + 2, Money::from(101)},
                                    {2 * k_ns_per_day, Money::from(99)}};
  const DailySeries d = daily_series(curve);
  REQUIRE(d.value.size() == 2);
  CHECK(d.value[0] == 101);
  CHECK(d.value[1] == 99);
}
