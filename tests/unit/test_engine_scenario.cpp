// Stress scenarios shock bars as documented: a gap scales everything from the shock bar, a crash
// replays its daily moves, a volatility shock multiplies bar-to-bar moves, a flash crash dips and
// recovers; bad texts are usage errors naming the forms.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/risk/scenario.hpp"

using namespace aiots;

namespace {

std::vector<Bar> flat_days(int n, double price) {
  std::vector<Bar> bars;
  for (int i = 0; i < n; ++i) bars.push_back(Bar{(19'000 + i) * k_ns_per_day, price, price, price, price, 1000});
  return bars;
}

}  // namespace

TEST_CASE("gap scales every price from the shock bar on", "[scenario]") {
  auto s = risk::parse_scenario("gap:-20%");
  REQUIRE(s);
  auto bars = flat_days(5, 100);
  const auto at = risk::apply_scenario(*s, bars, bars[2].ts, Timeframe{86'400});
  REQUIRE(at == 2u);
  CHECK(bars[1].close == 100);
  CHECK(bars[2].open == Approx(80));
  CHECK(bars[4].close == Approx(80));
  CHECK_FALSE(risk::apply_scenario(*s, bars, bars[4].ts + 1, Timeframe{86'400}));
}

TEST_CASE("crash:1987 replays Black Monday's daily moves", "[scenario]") {
  auto s = risk::parse_scenario("crash:1987");
  REQUIRE(s);
  auto bars = flat_days(12, 100);
  (void)risk::apply_scenario(*s, bars, bars[1].ts, Timeframe{86'400});
  CHECK(bars[1].close == Approx(97.05));                      // -2.95%
  CHECK(bars[4].close / bars[3].close == Approx(1 - 0.2047));  // the 19th
  CHECK(bars[11].close == bars[10].close);                     // after the path: level kept
}

TEST_CASE("vol:3x/2 triples two bar-to-bar moves and keeps the level after", "[scenario]") {
  auto s = risk::parse_scenario("vol:3x/2");
  REQUIRE(s);
  std::vector<Bar> bars = flat_days(5, 100);
  const double closes[] = {100, 101, 99, 100, 100};
  for (int i = 0; i < 5; ++i) bars[i].open = bars[i].high = bars[i].low = bars[i].close = closes[i];
  (void)risk::apply_scenario(*s, bars, bars[1].ts, Timeframe{86'400});
  CHECK(bars[1].close == Approx(103));              // +1% -> +3%
  CHECK(bars[2].close / bars[1].close == Approx(1 + 3 * (99.0 / 101 - 1)));
  CHECK(bars[3].close / bars[2].close == Approx(100.0 / 99));  // back to its own moves
}

TEST_CASE("flash-crash dips and recovers within its window", "[scenario]") {
  auto s = risk::parse_scenario("flash-crash:-9%/10m");
  REQUIRE(s);
  std::vector<Bar> minutes;
  for (int i = 0; i < 20; ++i) minutes.push_back(Bar{1'700'000'000 * k_ns_per_second + i * 60 * k_ns_per_second, 100, 100, 100, 100, 10});
  (void)risk::apply_scenario(*s, minutes, minutes[5].ts, Timeframe{60});
  double deepest = 100;
  for (const Bar& b : minutes) deepest = std::min(deepest, b.low);
  CHECK(deepest == Approx(91.45).epsilon(0.01));  // the middle bar of the window, near -9%
  CHECK(minutes[4].low == 100);
  CHECK(minutes[15].low == 100);                  // after the window: untouched
  auto days = flat_days(3, 100);
  (void)risk::apply_scenario(*s, days, days[1].ts, Timeframe{86'400});
  CHECK(days[1].low == Approx(91));  // a daily bar gets the trough in its low only
  CHECK(days[1].close == 100);
}

TEST_CASE("Bad scenario texts are usage errors naming the forms", "[scenario]") {
  for (const char* bad : {"gap", "gap:x", "gap:-120%", "crash:1929", "vol:0x", "vol:3x/0", "flash-crash:-9%",
                          "flash-crash:+9%/15m", "flash-crash:-9%/15y", "meteor:1"}) {
    INFO(bad);
    auto s = risk::parse_scenario(bad);
    REQUIRE_FALSE(s);
    CHECK(s.error().kind == ErrorKind::Usage);
    CHECK(s.error().message.find("forms: gap:-20%") != std::string::npos);
  }
}
