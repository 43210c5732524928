// Live against backtest, fill by fill (aiots diff).
#include <catch2/catch.hpp>

#include "live/fill_diff.hpp"

namespace aiots {
namespace {

constexpr Timestamp k_bar = 60 * k_ns_per_second;
NamedFill fill(int bar, bool buy, std::int64_t qty, double price, double fee = 0) {
  return NamedFill{(bar + 1) * k_bar, "X", buy, qty, price, fee};
}
std::map<std::string, std::vector<Timestamp>> bars(int n) {
  std::vector<Timestamp> t;
  for (int i = 0; i < n; ++i) t.push_back((i + 1) * k_bar);
  return {{"X", t}};
}

}  // namespace

TEST_CASE("The same fills on both sides differ in nothing", "[diff]") {
  const std::vector<NamedFill> fills = {fill(1, true, 100, 10), fill(5, false, 100, 11)};
  const FillDiff d = diff_fills(fills, fills, bars(10));
  CHECK(d.identical == 2);
  CHECK(d.differences.empty());
  CHECK(d.slippage_cost == 0);
}

TEST_CASE("Each kind of difference is told apart", "[diff]") {
  const std::vector<NamedFill> backtest = {fill(1, true, 100, 10.00, 1), fill(5, false, 100, 11.00, 1), fill(8, true, 50, 12),
                                           fill(12, false, 50, 12.5), fill(30, true, 10, 13)};
  const std::vector<NamedFill> live = {fill(1, true, 100, 10.05, 2), fill(5, false, 80, 10.90, 2), fill(10, true, 50, 12.1),
                                       fill(20, false, 50, 12.4), fill(40, true, 7, 14)};
  const FillDiff d = diff_fills(backtest, live, bars(50), FillDiffOptions{3});
  CHECK(d.identical == 0);
  CHECK(d.count("price") == 1);
  CHECK(d.count("quantity") == 1);
  CHECK(d.count("timing") == 1);
  CHECK(d.count("missed") == 2);  // the sell at bar 12 (live sold 8 bars later) and the buy at 30
  CHECK(d.count("extra") == 2);
  for (const FillDifference& x : d.differences) {
    if (x.kind == "timing") CHECK(x.bars_late == 2);
  }
  // Live bought 100 at 0.05 more and sold 80 at 0.10 less: 5 + 8 paid beyond the backtest.
  CHECK(d.slippage_cost == Approx(13.0));
  CHECK(d.backtest_fees == 2);
  CHECK(d.live_fees == 4);
  // In time order.
  for (std::size_t i = 1; i < d.differences.size(); ++i) {
    const auto when = [](const FillDifference& x) { return x.backtest_ts != 0 ? x.backtest_ts : x.live_ts; };
    CHECK(when(d.differences[i - 1]) <= when(d.differences[i]));
  }
}

TEST_CASE("A fill further away than the window is missed and extra, not late", "[diff]") {
  const FillDiff near = diff_fills({fill(10, true, 5, 1)}, {fill(13, true, 5, 1)}, bars(20), FillDiffOptions{3});
  CHECK(near.count("timing") == 1);
  const FillDiff far = diff_fills({fill(10, true, 5, 1)}, {fill(14, true, 5, 1)}, bars(20), FillDiffOptions{3});
  CHECK(far.count("missed") == 1);
  CHECK(far.count("extra") == 1);
}

TEST_CASE("P&L of fills counts contract multipliers and the backtest's marks", "[diff]") {
  // The backtest's portfolio at the period's end: the stock at 12, a call it traded at 3.5.
  Portfolio marks(Money::from(10'000), {Instrument{"X", 1, 0.01, Timeframe{60}}});
  marks.add_instrument(Instrument{"X260109C00100000", 100, 0.01, Timeframe{60}});
  marks.mark(0, 12);
  marks.mark(1, 3.5);
  const std::vector<NamedFill> fills = {
      NamedFill{k_bar, "X", true, 10, 11, 1},                  // 10 shares at 11, fee 1
      NamedFill{2 * k_bar, "X260109C00100000", false, 2, 3, 0},  // 2 calls sold at 3 (x100)
      NamedFill{3 * k_bar, "X260109P00090000", true, 1, 2, 0},   // a put the backtest never held
  };
  // Cash: 10000 - 110 - 1 + 600 - 200; held: 10 x 12, -2 x 3.5 x 100, 1 x 2 x 100 (last fill).
  const double expected = 10'000 - 110 - 1 + 600 - 200 + 120 - 700 + 200;
  CHECK(mark_to_market(fills, 10'000, marks) == Approx(expected));
  // Flat after the round trip: the P&L is the cash flows alone.
  const std::vector<NamedFill> round_trip = {NamedFill{k_bar, "X260109C00100000", true, 1, 3, 0},
                                             NamedFill{2 * k_bar, "X260109C00100000", false, 1, 4, 0}};
  CHECK(mark_to_market(round_trip, 0, marks) == Approx(100));
}

}  // namespace aiots
