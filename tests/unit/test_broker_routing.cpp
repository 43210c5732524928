// Routing orders to a real broker (aiots-brokers(7)) without a network: the engine's order book
// in external mode (nothing fills from bars; the venue's answers booked; cancels asked, not
// done; brackets and one-cancels-other kept here), the broker adapters' JSON both ways, the
// reconciliation verdict, and the worker thread that makes venue calls.
#include <catch2/catch.hpp>
#include <cmath>
#include <condition_variable>
#include <mutex>

#include "adapters/brokers/alpaca.hpp"
#include "adapters/brokers/ibkr.hpp"
#include "adapters/brokers/venue.hpp"
#include "adapters/service_worker.hpp"
#include "engine/broker/simulated_broker.hpp"
#include "live/reconcile.hpp"

namespace aiots {
namespace {

struct RoutingRecorder : BrokerListener {
  std::vector<OrderEvent> events;
  std::vector<Fill> fills;
  void on_order_event(const OrderEvent& e, const Order&) override { events.push_back(e); }
  void on_fill(const Fill& f, const Order&) override { fills.push_back(f); }
};

struct Routed {
  RoutingRecorder rec;
  SimulatedBroker broker;
  Routed() : broker(external_config(), {Instrument{"X", 1, 0.01, Timeframe{86'400}}}, rec) {}
  static BrokerConfig external_config() {
    BrokerConfig c;
    c.external = true;
    return c;
  }
  OrderId buy(double qty, double limit = std::nan("")) {
    OrderRequest r;
    r.quantity = qty;
    r.limit = limit;
    r.type = std::isnan(limit) ? OrderType::Market : OrderType::Limit;
    return broker.submit(r, 100);
  }
};

Bar day_bar(double price) { return Bar{200, price, price + 1, price - 1, price, 1e6}; }

TEST_CASE("external routing: orders wait to be sent, bars fill nothing, the venue's fills are booked", "[broker][routing]") {
  Routed t;
  const OrderId id = t.buy(100);
  REQUIRE(t.rec.events.size() == 1);
  CHECK(t.rec.events[0].kind == OrderEventKind::Submitted);
  CHECK(t.broker.order(id).is_open());
  CHECK(t.broker.take_outbound() == std::vector<OrderId>{id});
  CHECK(t.broker.take_outbound().empty());  // taken once
  t.broker.on_bar(0, day_bar(50));
  CHECK(t.rec.fills.empty());
  REQUIRE(t.broker.venue_fill(id, 300, 30, 50.5));
  CHECK(t.rec.events[1].kind == OrderEventKind::Accepted);
  CHECK(t.rec.events[2].kind == OrderEventKind::PartiallyFilled);
  REQUIRE(t.broker.venue_fill(id, 400, 70, 51));
  CHECK(t.broker.order(id).status == OrderStatus::Filled);
  CHECK(t.broker.order(id).average_fill_price == Approx(50.85));
  CHECK(t.rec.fills.size() == 2);
  CHECK(t.broker.open_orders().empty());
  // Nothing may be booked twice or beyond the order.
  CHECK_FALSE(t.broker.venue_fill(id, 500, 1, 51));
  CHECK(t.rec.fills.size() == 2);
}

TEST_CASE("external routing: a fill larger than what is left changes nothing", "[broker][routing]") {
  Routed t;
  const OrderId id = t.buy(10);
  const auto fill = t.broker.venue_fill(id, 300, 11, 50);
  REQUIRE_FALSE(fill);
  CHECK(fill.error().message.find("FILL_DOES_NOT_FIT") == 0);
  CHECK(t.broker.order(id).filled == 0);
  CHECK_FALSE(t.broker.venue_fill(id, 300, 5, std::nan("")));
  CHECK_FALSE(t.broker.venue_fill(99, 300, 5, 50));
}

TEST_CASE("external routing: a cancel is asked of the venue and may lose the race", "[broker][routing]") {
  Routed t;
  const OrderId a = t.buy(10, 40);
  const OrderId b = t.buy(10, 40);
  (void)t.broker.take_outbound();
  REQUIRE(t.broker.cancel(a, 150));
  REQUIRE(t.broker.cancel(a, 150));  // asked once
  CHECK(t.broker.take_cancel_requests() == std::vector<OrderId>{a});
  CHECK(t.broker.order(a).is_open());
  // The venue filled it first: booked, and the cancel is moot.
  REQUIRE(t.broker.venue_fill(a, 160, 10, 40));
  CHECK(t.broker.order(a).status == OrderStatus::Filled);
  REQUIRE(t.broker.cancel(b, 170));
  REQUIRE(t.broker.venue_closed(b, 180, OrderEventKind::Cancelled, ""));
  CHECK(t.broker.order(b).status == OrderStatus::Cancelled);
  CHECK(t.broker.order(b).reason == "CANCELLED_BY_STRATEGY");
  CHECK(t.broker.take_cancel_requests().empty());
}

TEST_CASE("external routing: the venue refuses before or after accepting", "[broker][routing]") {
  Routed t;
  const OrderId a = t.buy(10);
  const OrderId b = t.buy(10);
  REQUIRE(t.broker.venue_rejected(a, 120, "INSUFFICIENT_BUYING_POWER: Alpaca: insufficient buying power"));
  CHECK(t.broker.order(a).status == OrderStatus::Rejected);
  CHECK(t.broker.rejected_count() == 1);
  REQUIRE(t.broker.venue_accepted(b, 120));
  REQUIRE(t.broker.venue_rejected(b, 130, "BROKER_REJECTED: later"));
  CHECK(t.broker.order(b).status == OrderStatus::Cancelled);
  CHECK(t.broker.open_orders().empty());
}

TEST_CASE("external routing: a filled bracket's children are sent, and one filling asks to cancel the other", "[broker][routing]") {
  Routed t;
  OrderRequest r;
  r.quantity = 10;
  r.take_profit = 60;
  r.stop_loss = 40;
  const OrderId entry = t.broker.submit(r, 100);
  (void)t.broker.take_outbound();
  REQUIRE(t.broker.venue_fill(entry, 200, 10, 50));
  const auto children = t.broker.take_outbound();
  REQUIRE(children.size() == 2);
  CHECK(t.broker.order(children[0]).parent == entry);
  CHECK(t.broker.order(children[0]).request.side == Side::Sell);
  REQUIRE(t.broker.venue_fill(children[1], 300, 10, 60));
  CHECK(t.broker.take_cancel_requests() == std::vector<OrderId>{children[0]});
  CHECK(t.broker.order(children[0]).is_open());  // until the venue confirms
}

TEST_CASE("Alpaca orders are read from its JSON, statuses and partial fills included", "[broker][alpaca]") {
  auto o = venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"a1","client_order_id":"aiots-s-k-1","symbol":"MSFT",
    "side":"buy","qty":"100","filled_qty":"30","filled_avg_price":"50.25","status":"partially_filled"})"));
  REQUIRE(o);
  CHECK(o->status == venue::VenueStatus::PartiallyFilled);
  CHECK(o->filled == 30);
  CHECK(o->average_price == Approx(50.25));
  CHECK(o->client_id == "aiots-s-k-1");
  auto accepted = venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"a2","symbol":"MSFT","side":"sell","qty":"5",
    "filled_qty":"0","filled_avg_price":null,"status":"new"})"));
  REQUIRE(accepted);
  CHECK(accepted->status == venue::VenueStatus::Accepted);
  auto cancelled = venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"a3","symbol":"X","side":"buy","qty":"5","filled_qty":"2",
    "filled_avg_price":"9","status":"canceled"})"));
  REQUIRE(cancelled);
  CHECK(cancelled->status == venue::VenueStatus::Cancelled);
  CHECK(cancelled->filled == 2);
  // What does not fit is an error naming the field, never a guess.
  CHECK_FALSE(venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"b","symbol":"X","side":"buy","qty":"1.5","status":"new"})")));
  CHECK_FALSE(venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"b","symbol":"X","side":"buy","qty":"5","filled_qty":"6","filled_avg_price":"1","status":"new"})")));
  CHECK_FALSE(venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"b","symbol":"X","side":"buy","qty":"5","filled_qty":"4","filled_avg_price":"1","status":"filled"})")));
  CHECK_FALSE(venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"b","symbol":"X","side":"buy","qty":"5","status":"teleported"})")));
  CHECK_FALSE(venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"b","symbol":"X","side":"hold","qty":"5","status":"new"})")));
  CHECK_FALSE(venue::parse_alpaca_order(nlohmann::json::parse(R"({"id":"b","symbol":"X","side":"buy","qty":"1e13","status":"new"})")));
}

TEST_CASE("Alpaca order bodies and the refusal codes every broker maps to", "[broker][alpaca]") {
  venue::OrderTicket t;
  t.client_id = "aiots-x-1";
  t.symbol = "MSFT";
  t.side = Side::Sell;
  t.quantity = 7;
  t.type = OrderType::StopLimit;
  t.tif = TimeInForce::Day;
  t.limit = 49.5;
  t.stop = 50;
  const auto body = venue::alpaca_order_body(t);
  CHECK(body["qty"] == "7");
  CHECK(body["side"] == "sell");
  CHECK(body["type"] == "stop_limit");
  CHECK(body["time_in_force"] == "day");
  CHECK(body["limit_price"] == "49.5");
  CHECK(body["stop_price"] == "50");
  CHECK(body["client_order_id"] == "aiots-x-1");
  CHECK(venue::refusal_reason("Alpaca", 403, "insufficient buying power").starts_with("INSUFFICIENT_BUYING_POWER: "));
  CHECK(venue::refusal_reason("Alpaca", 422, "asset ZZZZ not found").starts_with("UNKNOWN_SYMBOL: "));
  CHECK(venue::refusal_reason("Alpaca", 422, "qty must be > 0").starts_with("BROKER_REJECTED: "));
  CHECK(venue::refusal_reason("Alpaca", 403, "").starts_with("BROKER_UNAUTHORIZED: "));
  CHECK(venue::refusal_reason("IBKR", 200, "Order rejected: margin requirement") ==
        "INSUFFICIENT_BUYING_POWER: IBKR: Order rejected: margin requirement");
  CHECK(venue::whole_shares(1.5, "q").error().message == "q is 1.5, not a whole number of shares aiots can hold");
  CHECK(venue::json_number(nlohmann::json::parse(R"({"a":"2.5","b":"x","c":null})"), "a") == 2.5);
  CHECK_FALSE(venue::json_number(nlohmann::json::parse(R"({"a":"2.5","b":"x","c":null})"), "b"));
}

TEST_CASE("IBKR live orders and order bodies", "[broker][ibkr]") {
  auto o = venue::parse_ibkr_order(nlohmann::json::parse(R"({"acct":"DU1","orderId":1001,"ticker":"MSFT","side":"BUY",
    "totalSize":100.0,"filledQuantity":40.0,"avgPrice":"99.5","status":"Submitted","order_ref":"aiots-s-k-3"})"));
  REQUIRE(o);
  CHECK(o->venue_id == "1001");
  CHECK(o->status == venue::VenueStatus::PartiallyFilled);
  CHECK(o->filled == 40);
  CHECK(o->client_id == "aiots-s-k-3");
  auto inactive = venue::parse_ibkr_order(nlohmann::json::parse(R"({"orderId":"7","ticker":"X","side":"SELL","totalSize":"3",
    "filledQuantity":0,"status":"Inactive"})"));
  REQUIRE(inactive);
  CHECK(inactive->status == venue::VenueStatus::Rejected);
  CHECK_FALSE(venue::parse_ibkr_order(nlohmann::json::parse(R"({"orderId":"7","ticker":"X","side":"SELL","totalSize":3,"filledQuantity":1,"status":"Filled"})")));
  CHECK_FALSE(venue::parse_ibkr_order(nlohmann::json::parse(R"({"orderId":"7","ticker":"X","side":"SELL","totalSize":3,"status":"Exploded"})")));
  venue::OrderTicket t;
  t.client_id = "aiots-y-2";
  t.symbol = "MSFT";
  t.quantity = 10;
  t.type = OrderType::TrailingStop;
  t.trail_percent = 2;
  const auto body = venue::ibkr_order_body(t, 272093);
  const auto& order = body["orders"][0];
  CHECK(order["conid"] == 272093);
  CHECK(order["cOID"] == "aiots-y-2");
  CHECK(order["orderType"] == "TRAIL");
  CHECK(order["trailingType"] == "%");
  CHECK(order["side"] == "BUY");
}

TEST_CASE("reconciliation: agreement, tolerance, orders placed elsewhere, orders in transit", "[broker][reconcile]") {
  ReconcileInput in;
  in.account = "live";
  in.journal_positions = {{"MSFT", 60}};
  in.journal_cash = 94'000;
  in.journal_open = {{"aiots-a-1", false}, {"aiots-a-2", true}};
  in.broker.positions = {{"MSFT", 60, 100}};
  in.broker.account.cash = 94'000.4;
  venue::VenueOrder ours;
  ours.client_id = "aiots-a-1";
  ours.venue_id = "v1";
  in.broker.open_orders = {ours};
  auto r = reconcile_report(in);
  CHECK(r["within_tolerance"] == true);
  CHECK(r["differences"] == 0);  // a-2 is in transit: its absence proves nothing
  CHECK(r["summary"] == "in agreement");

  in.broker.positions = {{"MSFT", 62, 100}, {"AAPL", -5, 150}};
  in.position_tolerance = 2;
  r = reconcile_report(in);
  CHECK(r["within_tolerance"] == false);  // AAPL: 5 > 2
  REQUIRE(r["positions"].size() == 2);
  CHECK(r["positions"][0]["symbol"] == "AAPL");
  CHECK(r["positions"][0]["difference"] == -5);
  CHECK(r["positions"][1]["beyond_tolerance"] == false);

  in.broker.positions = {{"MSFT", 60, 100}};
  in.broker.account.cash = 93'000;
  r = reconcile_report(in);
  CHECK(r["within_tolerance"] == false);
  CHECK(r["cash"]["difference"] == Approx(-1000));

  in.broker.account.cash = 94'000;
  venue::VenueOrder web;
  web.client_id = "web-1";
  web.venue_id = "v9";
  web.symbol = "TSLA";
  in.broker.open_orders = {web};
  r = reconcile_report(in);
  CHECK(r["within_tolerance"] == false);
  CHECK(r["unknown_orders"][0]["symbol"] == "TSLA");
  CHECK(r["missing_orders"] == nlohmann::json::array({"aiots-a-1"}));
}

// A venue whose calls record their order, for the worker test.
struct CountingVenue final : venue::Venue {
  std::vector<std::string>* calls;
  explicit CountingVenue(std::vector<std::string>* c) : calls(c) {}
  std::string name() const override { return "counting"; }
  Expected<std::variant<venue::VenueOrder, venue::Refusal>> place(const venue::OrderTicket& t) override {
    calls->push_back("place " + t.client_id);
    return std::variant<venue::VenueOrder, venue::Refusal>(venue::Refusal{"BROKER_REJECTED: test"});
  }
  Expected<std::optional<venue::VenueOrder>> resolve(const std::string& c) override {
    calls->push_back("resolve " + c);
    return std::optional<venue::VenueOrder>();
  }
  Expected<void> cancel(const venue::VenueOrder&) override { return {}; }
  Expected<std::vector<venue::VenueOrder>> open_orders() override { return std::vector<venue::VenueOrder>{}; }
  Expected<std::vector<venue::VenuePosition>> positions() override { return std::vector<venue::VenuePosition>{}; }
  Expected<venue::VenueAccount> account() override { return venue::VenueAccount{}; }
};

TEST_CASE("the venue worker makes calls in order and answers on the loop", "[broker][worker]") {
  std::vector<std::string> calls;  // written by the worker, read after its results arrive
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::function<void()>> loop;
  {
    ServiceWorker<venue::Venue> worker(std::make_unique<CountingVenue>(&calls), [&](std::function<void()> f) {
      std::lock_guard lock(mutex);
      loop.push_back(std::move(f));
      cv.notify_all();
    });
    for (int i = 1; i <= 3; ++i) {
      venue::OrderTicket t;
      t.client_id = "c" + std::to_string(i);
      worker.run<Expected<std::variant<venue::VenueOrder, venue::Refusal>>>(
          [t](venue::Venue& v) { return v.place(t); }, [](auto) {});
    }
    std::unique_lock lock(mutex);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return loop.size() == 3; }));
  }
  CHECK(calls == std::vector<std::string>{"place c1", "place c2", "place c3"});
}

}  // namespace
}  // namespace aiots
