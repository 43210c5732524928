// The risk report's figures against values computed by hand: R's type-7 quantile, historical
// and normal VaR and ES of a known return series, position VaR contributions that add up, betas.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/risk/risk_report.hpp"

using namespace aiots;

TEST_CASE("quantile7 matches R's quantile(type = 7)", "[risk][report]") {
  // R: quantile(c(1, 2, 3, 4, 10), c(0.05, 0.5, 0.99)) -> 1.20 3.00 9.76
  const std::vector<double> x = {4, 10, 1, 3, 2};
  CHECK(risk::quantile7(x, 0.05) == Approx(1.2));
  CHECK(risk::quantile7(x, 0.5) == Approx(3.0));
  CHECK(risk::quantile7(x, 0.99) == Approx(9.76));
  CHECK(std::isnan(risk::quantile7({}, 0.5)));
}

TEST_CASE("VaR and ES of a known equity path", "[risk][report]") {
  // Returns -5%, -1%, +1%, +2%, +3% (in that order) from 100.
  risk::ReportInput in;
  double e = 100;
  in.equity.push_back(e);
  for (double r : {-0.05, -0.01, 0.01, 0.02, 0.03}) in.equity.push_back(e *= 1 + r);
  in.current_equity = e;
  const risk::RiskReport r = risk::risk_report(in);
  REQUIRE(r.observations == 5);
  // type 7 at 5%: -0.05 + 0.2 * 0.04 = -0.042
  CHECK(r.var95 == Approx(0.042));
  CHECK(r.es95 == Approx(0.05));  // the one return at or below it
  const double mean = 0.0, sd = std::sqrt((0.0025 + 0.0001 + 0.0001 + 0.0004 + 0.0009) / 4);
  CHECK(r.var95_normal == Approx(1.6448536269514722 * sd - mean));
  CHECK(r.es99_normal == Approx(std::exp(-0.5 * 2.3263478740408408 * 2.3263478740408408) / std::sqrt(2 * M_PI) / 0.01 * sd));
}

TEST_CASE("Position VaR contributions add up, and betas come from covariances", "[risk][report]") {
  risk::ReportInput in;
  in.current_equity = 100'000;
  const std::vector<double> a = {100, 101, 99, 102, 100, 103};
  std::vector<double> b;  // b moves exactly twice a's returns
  double level = 50;
  b.push_back(level);
  for (std::size_t i = 1; i < a.size(); ++i) b.push_back(level *= 1 + 2 * (a[i] / a[i - 1] - 1));
  in.holdings = {{"A", 30'000, a}, {"B", -10'000, b}};
  in.benchmark = "A";
  in.benchmark_closes = a;
  in.equity = {100'000, 100'100, 99'900, 100'200, 100'000, 100'300};
  const risk::RiskReport r = risk::risk_report(in);
  REQUIRE(r.contributions.size() == 2);
  CHECK(r.contributions[0].beta == Approx(1.0));
  CHECK(r.contributions[1].beta == Approx(2.0));
  // Net exposure to A's moves: 30,000 - 2 x 10,000 = 10,000 -> VaR95 = 1.645 x 10,000 x sd(A).
  double m = 0, v = 0;
  std::vector<double> ra;
  for (std::size_t i = 1; i < a.size(); ++i) ra.push_back(a[i] / a[i - 1] - 1);
  for (double x : ra) m += x / 5;
  for (double x : ra) v += (x - m) * (x - m) / 4;
  CHECK(r.position_var95 == Approx(1.6448536269514722 * 10'000 * std::sqrt(v)));
  CHECK(r.contributions[0].var95 + r.contributions[1].var95 == Approx(r.position_var95));
  CHECK(r.contributions[0].share_of_var + r.contributions[1].share_of_var == Approx(1.0));
  CHECK(r.gross == 40'000);
  CHECK(r.net == 20'000);
  CHECK(r.holdings_beta == Approx(0.3 * 1 - 0.1 * 2));
}
