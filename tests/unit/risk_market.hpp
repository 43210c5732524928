// A tiny market for risk tests: a strategy driven by a C++ function per bar, an engine with
// chosen limits, bars fed one time at a time, and order helpers. Shared by the risk engine and
// risk rule tests.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <memory>

#include "engine/core/engine.hpp"
#include "util/timezone.hpp"

namespace aiots::test {

// A strategy driven by a C++ function per bar (bar index counts the engine's bar times).
struct Script : Strategy {
  std::function<void(StrategyContext&, int bar, SymbolId symbol)> bar_fn;
  int bars = 0;
  int calls = 0;
  SymbolId last_symbol = -1;
  Expected<void> on_start(StrategyContext&) override { return {}; }
  Expected<void> on_bar(StrategyContext& ctx, SymbolId symbol, const Bar&) override {
    ++calls;
    if (bar_fn) bar_fn(ctx, bars, symbol);
    return {};
  }
  Expected<void> on_order(StrategyContext&, const OrderEvent&, const Order&) override { return {}; }
  Expected<void> on_fill(StrategyContext&, const Fill&) override { return {}; }
  Expected<void> on_stop(StrategyContext&) override { return {}; }
};

inline constexpr Timestamp k_day0 = 20'000 * k_ns_per_day + 14 * 3600 * k_ns_per_second;  // 14:00 UTC

// One-minute bars within one day (or daily bars with `daily`): open = close = price.
struct Market {
  std::vector<std::string> symbols;
  std::unique_ptr<Script> script = std::make_unique<Script>();
  std::unique_ptr<Engine> engine;
  Timestamp t = k_day0;

  Market(std::vector<std::string> names, risk::RiskLimits limits, double cash = 100'000, std::vector<risk::RiskRule*> rules = {}) : symbols(std::move(names)) {
    EngineConfig cfg;
    cfg.initial_cash = Money::from(cash);
    for (const auto& s : symbols) cfg.instruments.push_back(Instrument{s, 1, 0.01, Timeframe{60}});
    cfg.risk = std::move(limits);
    cfg.exchange_zone = TimeZone::locate("America/New_York").value();
    engine = std::make_unique<Engine>(cfg, *script);
    engine->set_strategy_name("script");
    for (risk::RiskRule* rule : rules) engine->add_risk_rule(rule);
    REQUIRE(engine->start());
  }
  // Feeds one bar time with these prices (one per symbol), calling the script once per symbol.
  void step(std::vector<double> prices, Timestamp advance = 60 * k_ns_per_second) {
    std::vector<SymbolBar> bars;
    for (std::size_t i = 0; i < prices.size(); ++i) {
      const double p = prices[i];
      bars.push_back(SymbolBar{static_cast<SymbolId>(i), Bar{t, p, p, p, p, 1e9}});
    }
    engine->process(bars);
    ++script->bars;
    t += advance;
  }
  void next_day() { t = (t / k_ns_per_day + 1) * k_ns_per_day + 14 * 3600 * k_ns_per_second; }
  const Order& order(OrderId id) const { return engine->broker().order(id); }
  std::int64_t position(SymbolId s = 0) const { return engine->portfolio().position(s).quantity; }
};

inline OrderRequest buy(double qty, SymbolId s = 0) {
  OrderRequest r;
  r.symbol = s;
  r.quantity = qty;
  return r;
}
inline OrderRequest sell(double qty, SymbolId s = 0) {
  OrderRequest r = buy(qty, s);
  r.side = Side::Sell;
  return r;
}
inline OrderRequest limit_order(Side side, double qty, double price, SymbolId s = 0) {
  OrderRequest r = buy(qty, s);
  r.side = side;
  r.type = OrderType::Limit;
  r.limit = price;
  return r;
}

// Submits `request` on the next bar (every symbol at `prices`) and returns the order.
inline Order submit_at(Market& m, const OrderRequest& request, std::vector<double> prices) {
  OrderId id = 0;
  m.script->bar_fn = [&](StrategyContext& ctx, int, SymbolId s) {
    if (s == request.symbol) id = ctx.submit(request);
  };
  m.step(std::move(prices));
  m.script->bar_fn = nullptr;
  REQUIRE(id > 0);
  return m.order(id);
}

// The same with every symbol at `price`.
inline Order submit_at(Market& m, const OrderRequest& request, double price = 50) {
  return submit_at(m, request, std::vector<double>(m.symbols.size(), price));
}

inline bool accepted(const Order& o) { return o.status != OrderStatus::Rejected; }


// Limits that refuse nothing a test does not ask for: no position, group or daily-loss limit.
inline risk::RiskLimits no_limits() {
  risk::RiskLimits l;
  l.max_position_pct = 0;
  l.max_group_pct = 0;
  l.daily_loss_pct = 0;
  return l;
}

}  // namespace aiots::test
