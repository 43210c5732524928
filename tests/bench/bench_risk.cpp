// The cost of the risk engine per order: every built-in check enabled, on an account holding 20
// symbols with open orders, against the broker's own validation of the same order (what every
// order paid before the risk engine) in the same run.
#include <cstdio>
#include <vector>

#include "engine/core/engine.hpp"
#include "lua/lua_risk_rule.hpp"
#include "report.hpp"

namespace aiots::bench {
namespace {

struct Idle : Strategy {
  Expected<void> on_start(StrategyContext&) override { return {}; }
  Expected<void> on_bar(StrategyContext&, SymbolId, const Bar&) override { return {}; }
  Expected<void> on_order(StrategyContext&, const OrderEvent&, const Order&) override { return {}; }
  Expected<void> on_fill(StrategyContext&, const Fill&) override { return {}; }
  Expected<void> on_stop(StrategyContext&) override { return {}; }
};

// Every limit on, none so tight that the benchmark's orders are refused.
risk::RiskLimits all_checks() {
  risk::RiskLimits l;
  l.max_order_quantity = 1'000'000;
  l.max_order_notional = 1e9;
  l.max_position_quantity = 1'000'000;
  l.max_position_pct = 50;
  l.max_gross_exposure_pct = 500;
  l.max_net_exposure_pct = 500;
  l.max_group_pct = 90;
  l.price_collar_pct = 50;
  l.max_orders_per_second = 1e9;
  l.max_open_orders = 1'000;
  l.max_drawdown_pct = 50;
  l.circuit_losses = 100;
  for (int i = 0; i < 20; i += 2) l.groups["S" + std::to_string(i)] = i < 10 ? "tech" : "energy";
  return l;
}

}  // namespace

void run_risk_benchmarks() {
  section("risk: pre-trade checks per order (20 symbols held, 10 open orders, every built-in check on)");
  constexpr int k_symbols = 20;
  EngineConfig cfg;
  cfg.initial_cash = Money::from(10'000'000);
  for (int i = 0; i < k_symbols; ++i) cfg.instruments.push_back(Instrument{"S" + std::to_string(i), 1, 0.01, Timeframe{60}});
  cfg.risk = all_checks();
  Idle idle;
  Engine engine(cfg, idle);
  (void)engine.start();
  std::vector<SymbolBar> bars;
  for (int i = 0; i < k_symbols; ++i) bars.push_back(SymbolBar{i, Bar{k_ns_per_day * 20'000, 50, 50, 50, 50, 1e9}});
  engine.process(bars);
  // Positions in every symbol, then ten resting limit orders.
  for (int i = 0; i < k_symbols; ++i) {
    OrderRequest r;
    r.symbol = i;
    r.quantity = 1'000;
    r.side = i % 3 == 0 ? Side::Sell : Side::Buy;
    (void)engine.submit(r);
  }
  for (auto& b : bars) b.bar.ts += 60 * k_ns_per_second;
  engine.process(bars);
  for (int i = 0; i < 10; ++i) {
    OrderRequest r;
    r.symbol = i;
    r.quantity = 100;
    r.type = OrderType::Limit;
    r.limit = 45;
    (void)engine.submit(r);
  }

  risk::RiskEngine& risk = engine.risk();  // all_checks(), the account with its positions and orders
  constexpr int k_orders = 1'000'000;
  std::vector<OrderRequest> orders(64);
  for (std::size_t k = 0; k < orders.size(); ++k) {
    orders[k].symbol = static_cast<SymbolId>(k % k_symbols);
    orders[k].quantity = 10 + static_cast<double>(k);
    orders[k].side = k % 2 == 0 ? Side::Buy : Side::Sell;
    if (k % 4 == 0) {
      orders[k].type = OrderType::Limit;
      orders[k].limit = 49;
    }
  }
  std::size_t passed = 0;
  const double checks = seconds([&] {
    for (int i = 0; i < k_orders; ++i) {
      passed += risk.check(orders[static_cast<std::size_t>(i) & 63], cfg.instruments[static_cast<std::size_t>(i & 63) % k_symbols], 0).empty();
    }
  });
  std::size_t valid = 0;
  const double validation = seconds([&] {
    for (int i = 0; i < k_orders; ++i) {
      valid += engine.broker().validate(orders[static_cast<std::size_t>(i) & 63]).empty();
    }
  });
  const double per_check = checks / k_orders * 1e9;
  figure("risk check per order", per_check, "ns", validation / k_orders * 1e9, "broker validation", 2'000, true);
  std::printf("  %-34s %zu of %d orders passed (all must: the figure is the full path)\n", "", passed, k_orders);

  // The same orders through the built-in checks and two Lua rules (each asked with the account
  // table refreshed in place), as Engine::submit does after the broker's validation.
  std::vector<std::unique_ptr<lua::LuaRiskRule>> rules;
  for (const char* name : {"max_position", "no_trading_near_close"}) {
    auto rule = lua::LuaRiskRule::load(std::string(AIOTS_SOURCE_DIR) + "/plugins/risk/" + name + ".lua",
                                       {{"max_qty", "10000000"}}, {});
    if (!rule) {
      auto plain = lua::LuaRiskRule::load(std::string(AIOTS_SOURCE_DIR) + "/plugins/risk/" + name + ".lua", {}, {});
      if (!plain) {
        std::printf("  cannot load %s: %s\n", name, plain.error().message.c_str());
        return;
      }
      rule = std::move(plain);
    }
    rules.push_back(std::move(*rule));
  }
  // The rules see a copy of the account, marked anew when a case asks for a new bar.
  Portfolio book = engine.portfolio();
  risk::RuleContext ctx{engine.now(), &book, &engine.risk(), &engine.account(), "bench", 1};
  std::size_t allowed = 0;
  constexpr int k_rule_orders = 200'000;
  bool new_bar = false;  // every order in a new bar: every position's price changed
  const auto run = [&] {
    for (int i = 0; i < k_rule_orders; ++i) {
      if (new_bar) {
        ++ctx.version;
        for (int s = 0; s < k_symbols; ++s) book.mark(s, 50 + 0.01 * (i & 1));
      }
      const OrderRequest& r = orders[static_cast<std::size_t>(i) & 63];
      bool ok = risk.check(r, cfg.instruments[static_cast<std::size_t>(r.symbol)], 0).empty();
      for (auto& rule : rules) {
        auto v = rule->check_order(r, risk::reference_price(r, book.last_price(r.symbol)), ctx);
        ok = ok && v && v->allow;
      }
      allowed += ok;
    }
  };
  const double same_bar = seconds(run);
  new_bar = true;
  const double each_new = seconds(run);
  figure("risk check + 2 Lua rules per order", same_bar / k_rule_orders * 1e9, "ns", per_check, "built-in checks alone",
         2'000, true);
  std::printf("  %-34s (orders within one bar: the rules' account tables are current)\n", "");
  figure("  ... first order of a new bar", each_new / k_rule_orders * 1e9, "ns", per_check, "built-in checks alone");
  std::printf("  %-34s (a new account version: each rule's account table is refreshed, once per bar or fill)\n", "");
  std::printf("  %-34s %zu of %d orders passed every rule\n", "", allowed, 2 * k_rule_orders);
  if (passed != static_cast<std::size_t>(k_orders) || valid != static_cast<std::size_t>(k_orders)) {
    std::printf("  WARNING: some benchmark orders were refused; the figure measures an early exit\n");
  }
}

}  // namespace aiots::bench
