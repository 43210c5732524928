// Money never overflows silently: extreme quantities and prices through orders, fills,
// commissions and marks are either booked exactly or refused with a stable code.
#include <catch2/catch.hpp>
#include <random>

#include "engine/broker/simulated_broker.hpp"
#include "engine/trading/portfolio.hpp"

using namespace aiots;

namespace {

__extension__ using Int128 = __int128;

// Wires the broker to a portfolio the way the Engine does: fills pass the portfolio's check.
struct Books : BrokerListener {
  Portfolio portfolio;
  Int128 reference_cash;  // recomputed independently, in 128 bits
  std::vector<std::string> refusals;
  explicit Books(Money cash, std::vector<Instrument> instruments)
      : portfolio(cash, std::move(instruments)), reference_cash(cash.micros) {}
  void on_order_event(const OrderEvent& e, const Order&) override {
    if ((e.kind == OrderEventKind::Rejected || e.kind == OrderEventKind::Cancelled) &&
        e.reason.rfind("NOTIONAL_OVERFLOW", 0) == 0) {
      refusals.push_back(e.reason);
    }
  }
  void on_fill(const Fill& f, const Order&) override {
    const double multiplier = portfolio.instruments()[static_cast<std::size_t>(f.symbol)].multiplier;
    const Int128 notional = Money::from(f.price * static_cast<double>(f.quantity) * multiplier).micros;
    reference_cash += (f.side == Side::Buy ? -notional : notional) - f.commission.micros;
    portfolio.apply(f);
  }
  std::string fill_veto(const Fill& f) const override { return portfolio.check_fill(f); }
};

Bar bar_at(int day, double price) { return Bar{(11'000 + day) * k_ns_per_day, price, price, price, price, 1e15}; }

}  // namespace

TEST_CASE("An order whose notional cannot be represented is rejected, never filled", "[engine][money]") {
  BrokerConfig cfg;
  Books books(Money::from(100'000), {Instrument{"MSFT", 1, 0.01, Timeframe{86'400}}});
  SimulatedBroker broker(cfg, books.portfolio.instruments(), books);
  broker.on_bar(0, bar_at(0, 60.81));
  OrderRequest r;
  r.quantity = 1e12;  // 6.1e13 dollars: beyond int64 micros
  const OrderId id = broker.submit(r, bar_at(0, 60.81).ts);
  REQUIRE(broker.order(id).status == OrderStatus::Rejected);
  CHECK(broker.order(id).reason.rfind("NOTIONAL_OVERFLOW: notional 6.081e+13", 0) == 0);
  broker.on_bar(0, bar_at(1, 60.81));
  CHECK(books.portfolio.position(0).quantity == 0);
  CHECK(books.portfolio.cash() == Money::from(100'000));
}

TEST_CASE("A market order placed before any price is refused at fill time when it overflows", "[engine][money]") {
  BrokerConfig cfg;
  Books books(Money::from(100'000), {Instrument{"X", 1, 0.01, Timeframe{86'400}}});
  SimulatedBroker broker(cfg, books.portfolio.instruments(), books);
  OrderRequest r;
  r.quantity = 1e12;
  const OrderId id = broker.submit(r, 0);
  REQUIRE(broker.order(id).status == OrderStatus::Accepted);
  broker.on_bar(0, bar_at(1, 5e6));  // opens at 5e6: 5e18 dollars
  CHECK(broker.order(id).status == OrderStatus::Cancelled);
  CHECK(broker.order(id).reason.rfind("NOTIONAL_OVERFLOW", 0) == 0);
  CHECK(books.portfolio.position(0).quantity == 0);
}

TEST_CASE("Marks beyond money's range are reported, never wrapped", "[engine][money]") {
  Portfolio p(Money::from(1'000), {Instrument{"X", 1, 0.01, {}}});
  p.apply(Fill{0, 1, 0, Side::Buy, 1'000'000'000, 0.01, Money{}});  // 1e7 dollars of a penny stock
  p.mark(0, 0.02);
  CHECK(p.value_representable(0));
  CHECK(p.checked_equity().has_value());
  p.mark(0, 1e8);  // a bad tick: 1e17 dollars
  CHECK_FALSE(p.value_representable(0));
  CHECK(p.value_overflow(0).rfind("VALUE_OVERFLOW: position 1000000000 of X", 0) == 0);
  CHECK(p.market_value(0).micros == INT64_MAX);  // clamped, positive: never a wrapped negative
  CHECK(p.equity().micros > 0);
}

TEST_CASE("Property: random extreme order streams are booked exactly or refused", "[engine][money]") {
  const double quantities[] = {1, 7, 1e3, 1e6, 1e9, 1e11, 1e12};
  const double prices[] = {0.0001, 0.01, 1, 60.81, 1e4, 1e6, 1e8, 1e10, 1e14};
  const char* commissions[] = {"none", "per-share=0.005,min=1", "percent=0.1", "per-share=1000"};
  std::mt19937_64 rng(20261129);
  std::size_t fills = 0;
  std::size_t refusals = 0;
  for (int scenario = 0; scenario < 400; ++scenario) {
    BrokerConfig cfg;
    cfg.commission = *CommissionModel::parse(commissions[rng() % 4]);
    const double multiplier = rng() % 3 == 0 ? 100 : 1;
    Books books(Money::from(1e6), {Instrument{"A", multiplier, 0.01, Timeframe{86'400}},
                                   Instrument{"B", 1, 0.01, Timeframe{86'400}}});
    SimulatedBroker broker(cfg, books.portfolio.instruments(), books);
    bool stopped = false;
    for (int day = 1; day <= 30 && !stopped; ++day) {
      for (SymbolId s = 0; s < 2; ++s) {
        const double price = prices[rng() % std::size(prices)] * (1 + static_cast<double>(rng() % 100) / 1000);
        broker.on_bar(s, bar_at(day, price));
        books.portfolio.mark(s, price);
      }
      // What the Engine does after marking: stop the run once values cannot be represented.
      if (!books.portfolio.value_representable(0) || !books.portfolio.value_representable(1) ||
          !books.portfolio.checked_equity()) {
        stopped = true;
        break;
      }
      for (int k = 0; k < 3; ++k) {
        OrderRequest r;
        r.symbol = static_cast<SymbolId>(rng() % 2);
        r.side = rng() % 2 ? Side::Buy : Side::Sell;
        r.quantity = quantities[rng() % std::size(quantities)];
        if (rng() % 3 == 0) {
          r.type = OrderType::Limit;
          r.limit = prices[rng() % std::size(prices)];
        }
        broker.submit(r, bar_at(day, 0).ts);
      }
      // Every balance is what 128-bit arithmetic says, and the books add up to the micro.
      REQUIRE(static_cast<Int128>(books.portfolio.cash().micros) == books.reference_cash);
      const Portfolio& p = books.portfolio;
      REQUIRE(p.equity() == Money::from(1e6) + p.realized() + p.unrealized() - p.commissions());
      for (SymbolId s = 0; s < 2; ++s) {
        const double value = static_cast<double>(p.position(s).quantity) * p.last_price(s) * p.instruments()[static_cast<std::size_t>(s)].multiplier;
        REQUIRE(std::fabs(value) <= 9.3e12);
      }
    }
    for (std::size_t i = 1; i <= broker.order_count(); ++i) {
      fills += broker.order(static_cast<OrderId>(i)).filled > 0 ? 1 : 0;
    }
    refusals += books.refusals.size();
  }
  // The scenarios exercise both sides of the line.
  CHECK(fills > 500);
  CHECK(refusals > 500);
}
