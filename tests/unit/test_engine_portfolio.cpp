// Portfolio accounting: long, short, reversals, and no drift over a million fills.
#include <catch2/catch.hpp>
#include <random>

#include "engine/trading/portfolio.hpp"

using namespace aiots;

namespace {
Fill fill(Side side, std::int64_t qty, double price, double commission = 0) {
  return Fill{0, 1, 0, side, qty, price, Money::from(commission)};
}
}  // namespace

TEST_CASE("Long, add, partial close, reverse to short, cover", "[engine][portfolio]") {
  Portfolio p(Money::from(10'000), {Instrument{"X", 1, 0.01, {}}});
  p.apply(fill(Side::Buy, 100, 10, 1));
  p.apply(fill(Side::Buy, 100, 12, 1));
  CHECK(p.position(0).quantity == 200);
  CHECK(p.position(0).average_price(1) == Approx(11));
  p.apply(fill(Side::Sell, 50, 13));
  CHECK(p.realized() == Money::from(100));  // 50 * (13 - 11)
  p.apply(fill(Side::Sell, 250, 14));        // closes 150 (+450) and opens 100 short at 14
  CHECK(p.realized() == Money::from(550));
  CHECK(p.position(0).quantity == -100);
  CHECK(p.position(0).average_price(1) == Approx(14));
  p.apply(fill(Side::Buy, 100, 15));
  CHECK(p.realized() == Money::from(450));  // short lost 100
  CHECK(p.position(0).quantity == 0);
  CHECK(p.cash() == Money::from(10'000 + 450 - 2));
  CHECK(p.commissions() == Money::from(2));
}

TEST_CASE("Contract multipliers scale cash and P&L", "[engine][portfolio]") {
  Portfolio p(Money::from(10'000), {Instrument{"OPT", 100, 0.01, {}}});
  p.apply(fill(Side::Buy, 2, 1.25));
  CHECK(p.cash() == Money::from(10'000 - 250));
  p.mark(0, 1.5);
  CHECK(p.unrealized() == Money::from(50));
  CHECK(p.equity() == Money::from(10'050));
}

TEST_CASE("Money does not drift over a million random fills", "[engine][portfolio]") {
  Portfolio p(Money::from(1'000'000), {Instrument{"X", 1, 0.01, {}}, Instrument{"Y", 50, 0.25, {}}});
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1'000'000; ++i) {
    const auto symbol = static_cast<SymbolId>(rng() % 2);
    const double price = 10 + static_cast<double>(rng() % 100'000) / 997.0;  // awkward decimals
    const auto qty = static_cast<std::int64_t>(1 + rng() % 500);
    p.mark(symbol, price);
    p.apply(Fill{0, i, symbol, rng() % 2 ? Side::Buy : Side::Sell, qty, price,
                 Money::from(static_cast<double>(rng() % 1000) / 333.0)});
  }
  // Identity in integer micros: equity = initial + realized + unrealized - commissions.
  CHECK(p.equity() == Money::from(1'000'000) + p.realized() + p.unrealized() - p.commissions());
}
