// Fill rules of the simulated broker, one crafted bar at a time.
#include <catch2/catch.hpp>

#include "engine/broker/simulated_broker.hpp"

using namespace aiots;

namespace {

struct Recorder : BrokerListener {
  std::vector<OrderEvent> events;
  std::vector<Fill> fills;
  void on_order_event(const OrderEvent& e, const Order&) override { events.push_back(e); }
  void on_fill(const Fill& f, const Order&) override { fills.push_back(f); }
};

Bar bar(int day, double o, double h, double l, double c, double v = 1e6) {
  return Bar{(11'000 + day) * k_ns_per_day, o, h, l, c, v};
}

struct Fixture {
  Recorder rec;
  SimulatedBroker broker;
  explicit Fixture(BrokerConfig cfg = {}, Timeframe tf = Timeframe{86'400})
      : broker(cfg, {Instrument{"X", 1, 0.01, tf}}, rec) {
    broker.on_bar(0, bar(0, 100, 101, 99, 100));  // gives the broker a last price
  }
  OrderId submit(OrderRequest r, int day = 0) { return broker.submit(r, (11'000 + day) * k_ns_per_day); }
};

OrderRequest req(Side side, double qty, OrderType type = OrderType::Market) {
  OrderRequest r;
  r.side = side;
  r.quantity = qty;
  r.type = type;
  return r;
}

}  // namespace

TEST_CASE("Market orders fill at the next open, never on the bar they were placed", "[engine][broker]") {
  Fixture f;
  const OrderId id = f.submit(req(Side::Buy, 10));
  f.broker.on_close(0, bar(0, 100, 101, 99, 100));
  CHECK(f.rec.fills.empty());
  f.broker.on_bar(0, bar(1, 102, 104, 101, 103));
  REQUIRE(f.rec.fills.size() == 1);
  CHECK(f.rec.fills[0].price == 102);
  CHECK(f.broker.order(id).status == OrderStatus::Filled);
}

TEST_CASE("With fill at close, market orders fill at the close of their bar", "[engine][broker]") {
  BrokerConfig cfg;
  cfg.timing = FillTiming::Close;
  Fixture f(cfg);
  f.submit(req(Side::Buy, 10));
  f.broker.on_close(0, bar(0, 100, 101, 99, 100.5));
  REQUIRE(f.rec.fills.size() == 1);
  CHECK(f.rec.fills[0].price == 100.5);
}

TEST_CASE("Limit orders fill at the limit, or at the open on a gap", "[engine][broker]") {
  Fixture f;
  auto r = req(Side::Buy, 10, OrderType::Limit);
  r.limit = 98;
  f.submit(r);
  f.broker.on_bar(0, bar(1, 100, 101, 98.5, 99));  // low above the limit
  CHECK(f.rec.fills.empty());
  f.broker.on_bar(0, bar(2, 99, 99.5, 97, 98));
  REQUIRE(f.rec.fills.size() == 1);
  CHECK(f.rec.fills[0].price == 98);
  f.submit(r, 2);
  f.broker.on_bar(0, bar(3, 95, 96, 94, 95));  // gaps below: the open is better
  REQUIRE(f.rec.fills.size() == 2);
  CHECK(f.rec.fills[1].price == 95);
}

TEST_CASE("Stops trigger at the stop, or at the open on a gap, with slippage", "[engine][broker]") {
  BrokerConfig cfg;
  cfg.slippage = *SlippageModel::parse("ticks=2");
  Fixture f(cfg);
  auto r = req(Side::Sell, 10, OrderType::Stop);
  r.stop = 97;
  f.submit(r);
  f.broker.on_bar(0, bar(1, 99, 100, 96, 98));
  REQUIRE(f.rec.fills.size() == 1);
  CHECK(f.rec.fills[0].price == Approx(96.98));
  f.submit(r, 1);
  f.broker.on_bar(0, bar(2, 94, 95, 90, 92));
  REQUIRE(f.rec.fills.size() == 2);
  CHECK(f.rec.fills[1].price == Approx(93.98));
}

TEST_CASE("Stop-limit arms at the stop and fills only within the limit", "[engine][broker]") {
  Fixture f;
  auto r = req(Side::Buy, 10, OrderType::StopLimit);
  r.stop = 102;
  r.limit = 101.5;
  f.submit(r);
  f.broker.on_bar(0, bar(1, 100, 103, 101.8, 102.5));  // armed at 102, never back to 101.5
  CHECK(f.rec.fills.empty());
  f.broker.on_bar(0, bar(2, 102, 102.2, 101, 101.2));
  REQUIRE(f.rec.fills.size() == 1);
  CHECK(f.rec.fills[0].price == 101.5);
}

TEST_CASE("Trailing stops follow the best price and trigger from it", "[engine][broker]") {
  Fixture f;
  auto r = req(Side::Sell, 10, OrderType::TrailingStop);
  r.trail_percent = 5;
  f.submit(r);                                     // trails from the last close, 100
  f.broker.on_bar(0, bar(1, 100, 110, 99, 109));  // stop 95 not hit; best becomes 110
  CHECK(f.rec.fills.empty());
  f.broker.on_bar(0, bar(2, 108, 108, 104, 105));  // stop 104.5 hit
  REQUIRE(f.rec.fills.size() == 1);
  CHECK(f.rec.fills[0].price == Approx(104.5));
}

TEST_CASE("A bracket protects the entry, its exits cancel each other, stop first", "[engine][broker]") {
  Fixture f;
  auto r = req(Side::Buy, 10);
  r.take_profit = 110;
  r.stop_loss = 95;
  const OrderId entry = f.submit(r);
  f.broker.on_bar(0, bar(1, 100, 101, 99, 100));
  REQUIRE(f.broker.order(entry).status == OrderStatus::Filled);
  const auto open = f.broker.open_orders();
  REQUIRE(open.size() == 2);
  CHECK(f.broker.order(open[0]).parent == entry);
  // Both exits reachable in one bar: the pessimistic stop-loss wins.
  f.broker.on_bar(0, bar(2, 100, 111, 94, 100));
  REQUIRE(f.rec.fills.size() == 2);
  CHECK(f.rec.fills[1].price == 95);
  CHECK(f.rec.fills[1].side == Side::Sell);
  CHECK(f.broker.open_orders().empty());
  CHECK(f.broker.order(open[1]).status == OrderStatus::Cancelled);
  CHECK(f.broker.order(open[1]).reason.starts_with("OCO_SIBLING_FILLED"));
}

TEST_CASE("Volume cap splits fills across bars, FOK refuses partial, IOC cancels the rest", "[engine][broker]") {
  BrokerConfig cfg;
  cfg.volume_cap = 0.1;
  Fixture f(cfg);
  const OrderId gtc = f.submit(req(Side::Buy, 150));
  f.broker.on_bar(0, bar(1, 100, 101, 99, 100, 1000));  // 100 available
  CHECK(f.broker.order(gtc).filled == 100);
  CHECK(f.broker.order(gtc).status == OrderStatus::PartiallyFilled);
  f.broker.on_bar(0, bar(2, 100, 101, 99, 100, 1000));
  CHECK(f.broker.order(gtc).status == OrderStatus::Filled);

  auto fok = req(Side::Buy, 150);
  fok.tif = TimeInForce::Fok;
  const OrderId fok_id = f.submit(fok, 2);
  auto ioc = req(Side::Buy, 150);
  ioc.tif = TimeInForce::Ioc;
  const OrderId ioc_id = f.submit(ioc, 2);
  f.broker.on_bar(0, bar(3, 100, 101, 99, 100, 1000));
  CHECK(f.broker.order(fok_id).status == OrderStatus::Cancelled);
  CHECK(f.broker.order(fok_id).filled == 0);
  CHECK(f.broker.order(ioc_id).filled == 100);
  CHECK(f.broker.order(ioc_id).status == OrderStatus::Cancelled);
}

TEST_CASE("DAY orders expire after their session", "[engine][broker]") {
  Fixture f;
  auto r = req(Side::Buy, 10, OrderType::Limit);
  r.limit = 90;
  r.tif = TimeInForce::Day;
  const OrderId id = f.submit(r);
  f.broker.on_bar(0, bar(1, 100, 101, 99, 100));
  CHECK(f.broker.order(id).status == OrderStatus::Expired);
  CHECK(f.broker.order(id).reason.starts_with("DAY_ENDED"));
}

TEST_CASE("Invalid orders are rejected with stable codes, cancels are checked", "[engine][broker]") {
  Fixture f;
  CHECK(f.broker.order(f.submit(req(Side::Buy, std::nan("")))).reason.starts_with("INVALID_QUANTITY"));
  CHECK(f.broker.order(f.submit(req(Side::Buy, -1))).reason.starts_with("INVALID_QUANTITY"));
  CHECK(f.broker.order(f.submit(req(Side::Buy, 0.5))).reason.starts_with("INVALID_QUANTITY"));
  auto lim = req(Side::Buy, 1, OrderType::Limit);
  CHECK(f.broker.order(f.submit(lim)).reason.starts_with("INVALID_PRICE"));
  auto sym = req(Side::Buy, 1);
  sym.symbol = 7;
  CHECK(f.broker.order(f.submit(sym)).reason.starts_with("UNKNOWN_SYMBOL"));
  CHECK(f.broker.rejected_count() == 5);
  CHECK(f.broker.cancel(99, 0).error().message.starts_with("ORDER_NOT_FOUND"));
  const OrderId ok = f.submit(req(Side::Buy, 1));
  REQUIRE(f.broker.cancel(ok, 0));
  CHECK(f.broker.cancel(ok, 0).error().message.starts_with("ORDER_NOT_OPEN"));
}

TEST_CASE("Orders change only through legal transitions", "[engine][order]") {
  Order o;
  o.id = 1;
  o.quantity = 10;
  CHECK(o.apply(OrderEvent{0, 1, OrderEventKind::Accepted, "", 0, 0}));
  CHECK_FALSE(o.apply(OrderEvent{0, 1, OrderEventKind::Accepted, "", 0, 0}));
  CHECK_FALSE(o.apply(OrderEvent{0, 1, OrderEventKind::Filled, "", 5, 1.0}));  // not the whole rest
  CHECK(o.apply(OrderEvent{0, 1, OrderEventKind::PartiallyFilled, "", 4, 1.0}));
  CHECK(o.apply(OrderEvent{0, 1, OrderEventKind::Filled, "", 6, 2.0}));
  CHECK(o.average_fill_price == Approx(1.6));
  CHECK_FALSE(o.apply(OrderEvent{0, 1, OrderEventKind::Cancelled, "", 0, 0}));
  CHECK(o.status == OrderStatus::Filled);
}

TEST_CASE("Commission models", "[engine][broker]") {
  CHECK(CommissionModel::parse("per-share=0.005,min=1")->compute(100, 50, 1) == Money::from(1));
  CHECK(CommissionModel::parse("per-share=0.005,min=1")->compute(1000, 50, 1) == Money::from(5));
  CHECK(CommissionModel::parse("per-share=0.005,max=0.5%")->compute(1000, 0.5, 1) == Money::from(2.5));
  CHECK(CommissionModel::parse("per-contract=0.65")->compute(3, 2.5, 100) == Money::from(1.95));
  CHECK(CommissionModel::parse("percent=0.1")->compute(10, 100, 1) == Money::from(1));
  CHECK_FALSE(CommissionModel::parse("per-lot=1"));
  CHECK_FALSE(SlippageModel::parse("bps=-1"));
  CHECK(SlippageModel::parse("range=0.5")->apply(100, Side::Buy, Bar{0, 100, 104, 98, 101, 1}, 0.01) == 103);
}

TEST_CASE("A history limit forgets old closed orders, never open ones, and changes no fill", "[engine][broker]") {
  Fixture limited;
  Fixture unlimited;
  limited.broker.set_history_limit(10);
  OrderRequest resting = req(Side::Buy, 5, OrderType::Limit);
  resting.limit = 1;  // never fills
  const OrderId old_open = limited.submit(resting);
  (void)unlimited.submit(resting);
  for (int day = 1; day <= 40; ++day) {
    for (Fixture* f : {&limited, &unlimited}) {
      (void)f->submit(req(day % 2 == 0 ? Side::Sell : Side::Buy, 1), day - 1);
      f->broker.on_bar(0, bar(day, 100 + day, 102 + day, 99 + day, 101 + day));
      f->broker.forget_closed();
    }
  }
  CHECK(limited.broker.order_count() == 41);
  CHECK_FALSE(limited.broker.holds(2));         // closed long ago: forgotten
  CHECK(limited.broker.holds(41));              // recent
  REQUIRE(limited.broker.holds(old_open));      // open: always kept
  CHECK(limited.broker.order(old_open).is_open());
  CHECK(limited.broker.open_orders() == std::vector<OrderId>{old_open});
  REQUIRE(limited.rec.fills.size() == unlimited.rec.fills.size());
  for (std::size_t i = 0; i < limited.rec.fills.size(); ++i) {
    CHECK(limited.rec.fills[i].price == unlimited.rec.fills[i].price);
    CHECK(limited.rec.fills[i].order_id == unlimited.rec.fills[i].order_id);
  }
  // The old open order still fills, and is still found, once the market reaches it.
  limited.broker.on_bar(0, bar(41, 0.9, 1.2, 0.5, 1));
  CHECK(limited.broker.order(old_open).status == OrderStatus::Filled);
  CHECK(unlimited.broker.holds(2));
}
