// The risk engine between strategies and the broker: every limit denies what it must (with its
// code and context) and passes what it must; account states and their automatic transitions;
// a property test over random order streams.
#include <catch2/catch.hpp>
#include <random>

#include "engine/risk/risk_codes.hpp"
#include "risk_market.hpp"

using namespace aiots;
using namespace aiots::test;
using risk::AccountState;

namespace {

}  // namespace

TEST_CASE("Buying power: a margin account gives twice its equity under Reg T, then refuses", "[risk]") {
  Market m({"X"}, no_limits());
  m.step({50});
  const Order too_big = submit_at(m, buy(5'000));  // 250,000 needs 125,000 of margin
  REQUIRE(too_big.status == OrderStatus::Rejected);
  CHECK(too_big.reason.starts_with("INSUFFICIENT_BUYING_POWER: account=margin symbol=X order_value=250000.00 buying_power=200000.00"));
  CHECK(accepted(submit_at(m, buy(3'000))));  // 150,000: 75,000 of margin
  // A second order sees the first one open: 150,000 + 100,000 > 200,000.
  CHECK_FALSE(accepted(submit_at(m, buy(2'000))));
  CHECK(m.position() == 3'000);
  CHECK(accepted(submit_at(m, sell(3'000))));  // closing never needs buying power
  m.step({50});
  CHECK(m.position() == 0);
  CHECK(m.engine->risk().denials().at("INSUFFICIENT_BUYING_POWER") == 2);
}

TEST_CASE("The order of the issue: ctx:buy(1e9) of a $56 stock on $100,000 is refused", "[risk]") {
  Market m({"MSFT"}, {});
  m.step({56.56});
  const Order o = submit_at(m, buy(1e9), 56.56);
  CHECK(o.status == OrderStatus::Rejected);
  CHECK(o.reason.starts_with("INSUFFICIENT_BUYING_POWER"));
  m.step({56.56});
  CHECK(m.position() == 0);
  CHECK(m.engine->portfolio().cash() == Money::from(100'000));
}

TEST_CASE("A cash account buys up to its cash and never sells short", "[risk]") {
  risk::RiskLimits l = no_limits();
  l.account = risk::AccountKind::Cash;
  Market m({"X"}, l);
  m.step({50});
  CHECK_FALSE(accepted(submit_at(m, buy(2'001))));
  CHECK(accepted(submit_at(m, buy(2'000))));
  m.step({50});
  const Order short_sale = submit_at(m, sell(2'010));
  REQUIRE_FALSE(accepted(short_sale));
  CHECK(short_sale.reason.find("a cash account cannot sell short") != std::string::npos);
  CHECK(accepted(submit_at(m, sell(2'000))));
}

TEST_CASE("Position limits: percent of equity (default 10%) and units, counting open orders", "[risk]") {
  Market m({"X"}, {});
  m.step({50});
  const Order over = submit_at(m, buy(201));  // 10,050 of 100,000
  REQUIRE_FALSE(accepted(over));
  CHECK(over.reason == "POSITION_LIMIT_EXCEEDED: symbol=X limit_pct=10 would_be_pct=10.05 would_be=201");
  CHECK(accepted(submit_at(m, buy(150))));
  CHECK_FALSE(accepted(submit_at(m, buy(60))));  // 150 open + 60 = 210
  m.step({50});
  CHECK(m.position() == 150);
  CHECK(accepted(submit_at(m, buy(50))));  // 200: exactly 10%

  risk::RiskLimits units = no_limits();
  units.max_position_quantity = 100;
  Market u({"X"}, units);
  u.step({50});
  const Order o = submit_at(u, sell(101));
  CHECK(o.reason == "POSITION_LIMIT_EXCEEDED: symbol=X limit=100 would_be=101");
  CHECK(accepted(submit_at(u, sell(100))));
  u.step({50});
  CHECK(accepted(submit_at(u, buy(200))));  // from -100 to +100: never larger than the limit
}

TEST_CASE("Order quantity, notional, collar, rate and open-order limits", "[risk]") {
  risk::RiskLimits l = no_limits();
  l.max_order_quantity = 500;
  l.max_order_notional = 20'000;
  l.price_collar_pct = 5;
  l.max_orders_per_second = 3;
  l.max_open_orders = 4;
  Market m({"X"}, l);
  m.step({50});
  CHECK(submit_at(m, buy(501)).reason == "ORDER_QUANTITY_LIMIT_EXCEEDED: symbol=X limit=500 quantity=501");
  CHECK(submit_at(m, buy(401)).reason == "ORDER_NOTIONAL_LIMIT_EXCEEDED: symbol=X limit=20000 notional=20050.00");
  CHECK(submit_at(m, limit_order(Side::Buy, 10, 47)).reason ==
        "PRICE_COLLAR_EXCEEDED: symbol=X price=47 last=50 collar_pct=5 away_pct=6");
  CHECK(accepted(submit_at(m, limit_order(Side::Buy, 10, 48))));

  // Four orders in one bar (one second of event time): the fourth is one too many.
  std::vector<OrderId> ids;
  m.script->bar_fn = [&](StrategyContext& ctx, int, SymbolId) {
    for (int i = 0; i < 4; ++i) ids.push_back(ctx.submit(limit_order(Side::Buy, 1, 48)));
  };
  m.step({50});
  m.script->bar_fn = nullptr;
  CHECK(accepted(m.order(ids[2])));
  CHECK(m.order(ids[3]).reason == "ORDER_RATE_EXCEEDED: limit=3 orders_in_last_second=3");
  // 1 + 3 limit orders rest below the market: the fifth open one is refused.
  CHECK(m.engine->broker().open_order_count() == 4);
  CHECK(submit_at(m, limit_order(Side::Buy, 1, 48)).reason == "OPEN_ORDERS_LIMIT_EXCEEDED: limit=4 open=4");
}

TEST_CASE("trading_hours = nyse: orders only in regular hours of NYSE trading days", "[risk]") {
  risk::RiskLimits l = no_limits();
  l.nyse_hours = true;
  Market m({"X"}, l);
  // 2024-07-03, an early close at 13:00 New York (17:00 UTC). An order placed on the bar that
  // opens at 16:58 UTC reaches the market at 16:59: still open; one on the 16:59 bar does not.
  m.t = day_number(parse_time("2024-07-03")->ts) * k_ns_per_day + (16 * 60 + 57) * 60 * k_ns_per_second;
  m.step({50});
  CHECK(accepted(submit_at(m, buy(1))));
  const Order late = submit_at(m, buy(1));  // placed on the 17:00 bar: after 13:00 New York
  CHECK(late.reason == "OUTSIDE_TRADING_HOURS: symbol=X new_york=2024-07-03T13:00 hours=09:30-13:00");
  m.t = day_number(parse_time("2024-07-04")->ts) * k_ns_per_day + 15 * 3600 * k_ns_per_second;
  CHECK(submit_at(m, buy(1)).reason == "OUTSIDE_TRADING_HOURS: symbol=X new_york=2024-07-04T11:01 closed=Independence Day");
}

TEST_CASE("Gross and net exposure and group concentration hold across symbols", "[risk]") {
  risk::RiskLimits l = no_limits();
  l.max_gross_exposure_pct = 50;
  l.max_net_exposure_pct = 30;
  l.max_group_pct = 30;
  l.groups = {{"A", "tech"}, {"B", "tech"}};
  Market m({"A", "B", "C", "D"}, l);
  m.step({50, 50, 50, 50});
  CHECK(accepted(submit_at(m, buy(400, 0))));  // A: 20,000 (tech 20%)
  const Order b = submit_at(m, buy(300, 1));    // B: tech would be 35%
  CHECK(b.reason == "CONCENTRATION_LIMIT_EXCEEDED: group=tech symbol=B limit_pct=30 would_be_pct=35");
  CHECK(accepted(submit_at(m, buy(100, 1))));   // tech 30%
  const Order c = submit_at(m, buy(200, 2));    // net 35%
  CHECK(c.reason == "NET_EXPOSURE_LIMIT_EXCEEDED: limit_pct=30 would_be_pct=35");
  CHECK(accepted(submit_at(m, sell(300, 2))));  // short C: net 10%, gross 40%
  const Order d = submit_at(m, sell(300, 3));   // gross 55%
  CHECK(d.reason == "GROSS_EXPOSURE_LIMIT_EXCEEDED: limit_pct=50 would_be_pct=55");
}

TEST_CASE("Daily loss halts the account, flattens it, and the next day trades again", "[risk]") {
  risk::RiskLimits l;
  l.max_position_pct = 60;
  Market m({"X"}, l);
  m.step({100});
  CHECK(accepted(submit_at(m, buy(500), 100)));
  m.step({100});  // filled at 100
  REQUIRE(m.position() == 500);
  m.step({88});   // -6,000: 6% of the day's 100,000
  REQUIRE(m.engine->risk().state() == AccountState::Halted);
  const risk::RiskEvent& halt = m.engine->risk_events().back();
  CHECK(halt.code == "DAILY_LOSS_LIMIT");
  CHECK(halt.detail == "loss_pct=6 limit_pct=5 start_equity=100000.00 equity=94000.00");
  const Order denied = submit_at(m, buy(1), 88);  // the flatten order fills at this bar's open
  CHECK(denied.reason == "ACCOUNT_HALTED: state=HALTED reason=DAILY_LOSS_LIMIT");
  CHECK(m.position() == 0);
  m.next_day();
  CHECK(accepted(submit_at(m, buy(1), 88)));
  CHECK(m.engine->risk().state() == AccountState::Active);
  CHECK(m.engine->risk_events().back().code == "NEW_TRADING_DAY");
}

TEST_CASE("A drawdown halt stays until resumed, and halt_action=block keeps the position", "[risk]") {
  risk::RiskLimits l = no_limits();
  l.max_drawdown_pct = 3;
  l.halt_action = risk::HaltAction::Block;
  Market m({"X"}, l);
  m.step({100});
  CHECK(accepted(submit_at(m, buy(500), 100)));
  m.step({110});  // filled at 110... open = close here: at 110
  m.step({120});  // peak 105,000
  m.step({113});  // 101,500: 3.33% below the peak
  REQUIRE(m.engine->risk().state() == AccountState::Halted);
  CHECK(m.engine->risk_events().back().code == "DRAWDOWN_LIMIT");
  m.next_day();
  m.step({113});
  CHECK(m.engine->risk().state() == AccountState::Halted);
  CHECK(m.position() == 500);
  m.engine->change_account_state(AccountState::Active, risk::k_manual_resume, "", false, false);
  CHECK(accepted(submit_at(m, sell(500), 113)));
}

TEST_CASE("REDUCING passes only orders that shrink a position, and a halt can cancel and flatten", "[risk]") {
  Market m({"X", "Y"}, no_limits());
  m.step({50, 50});
  CHECK(accepted(submit_at(m, buy(100, 0))));
  m.step({50, 50});
  m.engine->change_account_state(AccountState::Reducing, risk::k_manual_reduce, "reason=test", false, false);
  CHECK(submit_at(m, buy(1, 0)).reason.starts_with("ACCOUNT_REDUCING: state=REDUCING reason=MANUAL_REDUCE symbol=X position=100 order=1"));
  CHECK_FALSE(accepted(submit_at(m, sell(1, 1))));    // opening a short in Y
  CHECK_FALSE(accepted(submit_at(m, sell(101, 0))));  // through flat to short
  CHECK(accepted(submit_at(m, sell(40, 0))));
  m.engine->change_account_state(AccountState::Active, risk::k_manual_resume, "", false, false);
  const Order resting = submit_at(m, limit_order(Side::Buy, 10, 45, 1));
  CHECK(accepted(resting));
  m.engine->change_account_state(AccountState::Halted, risk::k_manual_halt, "reason=test", true, true);
  CHECK(m.order(resting.id).status == OrderStatus::Cancelled);
  CHECK(m.order(resting.id).reason == "ACCOUNT_HALTED: reason=MANUAL_HALT");
  m.step({50, 50});
  CHECK(m.position(0) == 0);
  CHECK(m.engine->risk().state() == AccountState::Halted);
}

TEST_CASE("A margin call moves the account to REDUCING, and liquidation follows one bar later", "[risk]") {
  risk::RiskLimits l = no_limits();
  Market m({"X"}, l);
  m.step({100});
  CHECK(accepted(submit_at(m, buy(1'900), 100)));  // 190,000 on 100,000
  m.step({100});
  REQUIRE(m.position() == 1'900);
  m.step({62});  // equity 27,800 < 25% of 117,800
  REQUIRE(m.engine->risk().state() == AccountState::Reducing);
  CHECK(m.engine->risk_events().back().code == "MARGIN_CALL");
  CHECK(m.engine->risk_events().back().detail == "equity=27800.00 maintenance=29450.00 gross=117800.00");
  CHECK_FALSE(accepted(submit_at(m, buy(1), 62)));  // a second bar below: liquidation
  CHECK(m.engine->risk_events().back().code == "MARGIN_LIQUIDATION");
  m.step({62});  // the liquidation fills; equity 27,800 with nothing held: restored
  CHECK(m.position() == 0);
  CHECK(m.engine->risk().state() == AccountState::Active);
  CHECK(m.engine->risk_events().back().code == "MARGIN_RESTORED");
}

TEST_CASE("Circuit breakers pause the strategy for a cooldown", "[risk]") {
  risk::RiskLimits l = no_limits();
  l.circuit_losses = 2;
  l.cooldown_bars = 3;
  Market m({"X"}, l);
  // Buy at 50, sell at 49, twice: two losing round trips.
  for (int i = 0; i < 2; ++i) {
    CHECK(accepted(submit_at(m, buy(10), 50)));
    CHECK(accepted(submit_at(m, sell(10), 50)));
    m.step({49});
  }
  REQUIRE(m.engine->risk().strategy_paused());
  CHECK(m.engine->risk_events().back().code == "CIRCUIT_BREAKER_LOSSES");
  // The bar it fired on counts as the first of the three: not called then, nor on the next two.
  const int calls = m.script->calls;
  m.step({50});
  m.step({50});
  CHECK(m.script->calls == calls);
  CHECK_FALSE(m.engine->risk().strategy_paused());
  CHECK(m.engine->risk_events().back().code == "COOLDOWN_OVER");
  m.step({50});
  CHECK(m.script->calls == calls + 1);

  risk::RiskLimits move = no_limits();
  move.circuit_move_pct = 5;
  move.circuit_window_seconds = 300;
  Market v({"X"}, move);
  v.step({100});
  v.step({97});
  CHECK_FALSE(v.engine->risk().strategy_paused());
  v.step({94.9});  // -5.1% within two minutes
  CHECK(v.engine->risk().strategy_paused());
  CHECK(v.engine->risk_events().back().detail.starts_with("symbol=X move_pct=-5.1 limit_pct=5"));
}

TEST_CASE("Random order streams never leave the account beyond a hard limit", "[risk][property]") {
  std::mt19937_64 rng(20261129);
  std::int64_t accepted_orders = 0, denied_orders = 0;
  for (int scenario = 0; scenario < 60; ++scenario) {
    risk::RiskLimits l;
    l.account = scenario % 2 == 0 ? risk::AccountKind::Cash : risk::AccountKind::Margin;
    l.max_position_quantity = 50 + static_cast<double>(rng() % 500);
    l.max_position_pct = 5 + static_cast<double>(rng() % 40);
    l.max_open_orders = 1 + static_cast<double>(rng() % 8);
    l.max_order_quantity = 10 + static_cast<double>(rng() % 300);
    l.daily_loss_pct = 0;  // keep trading: this test is about the pre-trade limits
    Market m({"A", "B", "C"}, l);
    std::vector<double> prices = {50, 20, 120};
    for (int bar = 0; bar < 80; ++bar) {
      m.script->bar_fn = [&](StrategyContext& ctx, int, SymbolId s) {
        const int n = static_cast<int>(rng() % 3);
        for (int k = 0; k < n; ++k) {
          OrderRequest r = buy(1 + static_cast<double>(rng() % 400), s);
          r.side = rng() % 2 == 0 ? Side::Buy : Side::Sell;
          // Limit orders only: they never fill worse than their price, so the bounds are exact.
          r.type = OrderType::Limit;
          r.limit = prices[static_cast<std::size_t>(s)] * (r.side == Side::Buy ? 1.0 : 0.99) ;
          const OrderId id = ctx.submit(r);
          (ctx.order(id)->status == OrderStatus::Rejected ? denied_orders : accepted_orders) += 1;
          // After every accepted order, the worst case of what is open stays within the limits.
          const Portfolio& p = ctx.portfolio();
          for (SymbolId sym = 0; sym < 3; ++sym) {
            std::int64_t buys = 0, sells = 0;
            for (OrderId o : ctx.open_orders(sym)) {
              (ctx.order(o)->request.side == Side::Buy ? buys : sells) += ctx.order(o)->remaining();
            }
            const std::int64_t held = p.position(sym).quantity;
            const std::int64_t worst = std::max(std::llabs(held + buys), std::llabs(held - sells));
            REQUIRE(static_cast<double>(worst) <= l.max_position_quantity);
            if (l.account == risk::AccountKind::Cash) REQUIRE(held - sells >= 0);
          }
          REQUIRE(static_cast<double>(m.engine->broker().open_order_count()) <= l.max_open_orders);
        }
      };
      for (double& p : prices) p *= 1 + (static_cast<double>(rng() % 2001) - 1000) / 20'000;  // +-5%
      m.step(prices);
      // A cash account never owes: limit buys never cost more than the cash they were checked against.
      if (l.account == risk::AccountKind::Cash) REQUIRE(m.engine->portfolio().cash().micros >= 0);
      for (SymbolId sym = 0; sym < 3; ++sym) {
        REQUIRE(static_cast<double>(std::llabs(m.position(sym))) <= l.max_position_quantity);
      }
    }
  }
  // Both sides exercised.
  CHECK(accepted_orders > 1'000);
  CHECK(denied_orders > 1'000);
}
