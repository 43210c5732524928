// Shared accounts: several strategies, one set of positions, cash, limits and state. Limits hold
// across the strategies (two of them cannot together do what neither may alone), transitions
// reach every member, and each strategy's ledger keeps its own orders, fills and P&L.
#include <catch2/catch.hpp>
#include <random>

#include "engine/risk/risk_codes.hpp"
#include "risk_market.hpp"

using namespace aiots;
using namespace aiots::test;

namespace {

// N strategies (scripts) trading in one account, fed the same bars in member order.
struct SharedMarket {
  std::vector<std::string> symbols;
  std::shared_ptr<risk::Account> account;
  std::vector<std::unique_ptr<Script>> scripts;
  std::vector<std::unique_ptr<Engine>> engines;
  Timestamp t = k_day0;

  SharedMarket(std::size_t strategies, std::vector<std::string> names, risk::RiskLimits limits, double cash = 100'000)
      : symbols(std::move(names)), account(std::make_shared<risk::Account>("main", Money::from(cash), limits)) {
    EngineConfig cfg;
    cfg.initial_cash = Money::from(cash);
    for (const auto& s : symbols) cfg.instruments.push_back(Instrument{s, 1, 0.01, Timeframe{60}});
    cfg.risk = limits;
    for (std::size_t i = 0; i < strategies; ++i) {
      scripts.push_back(std::make_unique<Script>());
      engines.push_back(std::make_unique<Engine>(cfg, *scripts.back()));
      engines.back()->set_strategy_name("s" + std::to_string(i));
      engines.back()->join_account(account);
      REQUIRE(engines.back()->start());
    }
  }
  void step(std::vector<double> prices) {
    std::vector<SymbolBar> bars;
    for (std::size_t i = 0; i < prices.size(); ++i) {
      bars.push_back(SymbolBar{static_cast<SymbolId>(i), Bar{t, prices[i], prices[i], prices[i], prices[i], 1e9}});
    }
    for (auto& e : engines) e->process(bars);
    for (auto& s : scripts) ++s->bars;
    t += 60 * k_ns_per_second;
  }
  // Each strategy submits its request (if any) on the next bar; returns the orders.
  std::vector<Order> submit_each(const std::vector<std::optional<OrderRequest>>& requests, std::vector<double> prices) {
    std::vector<OrderId> ids(requests.size(), 0);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      scripts[i]->bar_fn = [&, i](StrategyContext& ctx, int, SymbolId s) {
        if (requests[i] && s == requests[i]->symbol) ids[i] = ctx.submit(*requests[i]);
      };
    }
    step(std::move(prices));
    std::vector<Order> out;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      scripts[i]->bar_fn = nullptr;
      if (requests[i]) out.push_back(engines[i]->broker().order(ids[i]));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("Two strategies in one account breach a position limit that neither breaches alone", "[risk][account]") {
  risk::RiskLimits l = no_limits();
  l.max_position_pct = 10;
  // Alone, each strategy's 120 shares at $50 ($6,000, 6% of equity) pass.
  for (int alone = 0; alone < 2; ++alone) {
    Market m({"MSFT"}, l);
    m.step({50});
    CHECK(accepted(submit_at(m, buy(120), 50)));
  }
  // Together in one account: 12% of its equity. The second is refused, naming the account's total.
  SharedMarket shared(2, {"MSFT"}, l);
  shared.step({50});
  const auto orders = shared.submit_each({buy(120), buy(120)}, {50});
  CHECK(accepted(orders[0]));
  REQUIRE_FALSE(accepted(orders[1]));
  CHECK_THAT(orders[1].reason, Catch::StartsWith("POSITION_LIMIT_EXCEEDED: symbol=MSFT limit_pct=10 would_be_pct=12"));
  shared.step({50});
  // Filled: the account holds the first strategy's 120; the second strategy's ledger is flat.
  CHECK(shared.account->portfolio().position(0).quantity == 120);
  CHECK(shared.engines[0]->portfolio().position(0).quantity == 120);
  CHECK(shared.engines[1]->portfolio().position(0).quantity == 0);
  // Still refused once filled; a smaller order that fits the account passes.
  const auto later = shared.submit_each({std::nullopt, buy(120)}, {50});
  CHECK_THAT(later[0].reason, Catch::StartsWith("POSITION_LIMIT_EXCEEDED"));
  CHECK(accepted(shared.submit_each({std::nullopt, buy(70)}, {50})[0]));
  // The denial counts as the account's and as the refused strategy's.
  CHECK(shared.account->risk_state().denials.at(std::string(risk::k_position_limit)) == 2);
  CHECK(shared.engines[1]->risk().denial_count() == 2);
  CHECK(shared.engines[0]->risk().denial_count() == 0);
}

TEST_CASE("Opposite positions of two strategies net in the account: a closing order there is no new exposure",
          "[risk][account]") {
  risk::RiskLimits l = no_limits();
  l.max_position_quantity = 100;
  SharedMarket shared(2, {"MSFT"}, l);
  shared.step({50});
  shared.submit_each({buy(100), std::nullopt}, {50});
  shared.step({50});
  // The account is long 100 (its limit). The second strategy's sale is judged on the account: 201
  // would leave it short 101, beyond the limit; 100 takes it flat, although that strategy's own
  // ledger goes short 100.
  const auto orders = shared.submit_each({std::nullopt, sell(201)}, {50});
  CHECK_THAT(orders[0].reason, Catch::StartsWith("POSITION_LIMIT_EXCEEDED: symbol=MSFT limit=100 would_be=101"));
  CHECK(accepted(shared.submit_each({std::nullopt, sell(100)}, {50})[0]));
  shared.step({50});
  CHECK(shared.account->portfolio().position(0).quantity == 0);
  CHECK(shared.engines[0]->portfolio().position(0).quantity == 100);
  CHECK(shared.engines[1]->portfolio().position(0).quantity == -100);
  // REDUCING judges the account's exposure: it is flat, so neither strategy may add to it.
  shared.engines[0]->change_account_state(risk::AccountState::Reducing, risk::k_manual_reduce, "", false, false);
  const auto reducing = shared.submit_each({sell(10), buy(10)}, {50});
  CHECK_THAT(reducing[0].reason, Catch::StartsWith("ACCOUNT_REDUCING"));
  CHECK_THAT(reducing[1].reason, Catch::StartsWith("ACCOUNT_REDUCING"));
}

TEST_CASE("A daily loss of the account halts and flattens every strategy in it", "[risk][account]") {
  risk::RiskLimits l = no_limits();
  l.daily_loss_pct = 5;
  l.halt_action = risk::HaltAction::Flatten;
  const auto run = [&](bool together) {
    std::vector<std::unique_ptr<SharedMarket>> markets;
    if (together) {
      markets.push_back(std::make_unique<SharedMarket>(2, std::vector<std::string>{"A", "B"}, l));
    } else {
      markets.push_back(std::make_unique<SharedMarket>(1, std::vector<std::string>{"A", "B"}, l));
      markets.push_back(std::make_unique<SharedMarket>(1, std::vector<std::string>{"A", "B"}, l));
    }
    for (auto& m : markets) m->step({50, 50});
    if (together) {
      markets[0]->submit_each({buy(500, 0), buy(500, 1)}, {50, 50});
    } else {
      markets[0]->submit_each({buy(500, 0)}, {50, 50});
      markets[1]->submit_each({buy(500, 1)}, {50, 50});
    }
    for (auto& m : markets) m->step({50, 50});
    // Both fall 12%: each strategy loses $3,000 (3% of $100,000).
    for (auto& m : markets) m->step({44, 44});
    return markets;
  };
  for (auto& m : run(false)) CHECK(m->account->risk_state().state == risk::AccountState::Active);
  auto together = run(true);
  SharedMarket& m = *together[0];
  REQUIRE(m.account->risk_state().state == risk::AccountState::Halted);
  CHECK(m.account->risk_state().reason == risk::k_daily_loss_limit);
  // One event, recorded by the member whose bar crossed the limit; both ledgers flattened.
  CHECK(m.engines[0]->risk_events().size() + m.engines[1]->risk_events().size() == 1);
  m.step({44, 44});
  CHECK(m.engines[0]->portfolio().position(0).quantity == 0);
  CHECK(m.engines[1]->portfolio().position(1).quantity == 0);
  CHECK(m.account->portfolio().gross_exposure().micros == 0);
  // Account cash is the start plus both strategies' flows.
  CHECK(m.account->portfolio().cash().value() ==
        Approx(100'000 + (m.engines[0]->portfolio().cash().value() - 100'000) +
               (m.engines[1]->portfolio().cash().value() - 100'000)));
}

TEST_CASE("A halt from one member cancels the open orders of every member", "[risk][account]") {
  SharedMarket shared(3, {"MSFT"}, no_limits());
  shared.step({50});
  shared.submit_each({limit_order(Side::Buy, 10, 40), limit_order(Side::Buy, 10, 41), limit_order(Side::Buy, 10, 42)}, {50});
  CHECK(shared.account->open_order_count() == 3);
  shared.engines[1]->change_account_state(risk::AccountState::Halted, risk::k_manual_halt, "reason=test", true, false);
  CHECK(shared.account->open_order_count() == 0);
  for (auto& e : shared.engines) CHECK(e->risk().state() == risk::AccountState::Halted);
}

TEST_CASE("A strategy leaving the account takes its ledger with it", "[risk][account]") {
  SharedMarket shared(2, {"MSFT"}, no_limits());
  shared.step({50});
  shared.submit_each({buy(10), buy(30)}, {50});
  shared.step({51});
  CHECK(shared.account->portfolio().position(0).quantity == 40);
  shared.engines.pop_back();
  shared.scripts.pop_back();
  CHECK(shared.account->member_count() == 1);
  CHECK(shared.account->portfolio().position(0).quantity == 10);
  CHECK(shared.account->portfolio().equity() == shared.engines[0]->portfolio().equity());
}

TEST_CASE("Random order streams of several strategies never leave their account beyond a hard limit",
          "[risk][account][property]") {
  std::mt19937_64 rng(20261130);
  std::int64_t accepted_orders = 0, denied_orders = 0;
  for (int scenario = 0; scenario < 30; ++scenario) {
    risk::RiskLimits l;
    l.account = scenario % 2 == 0 ? risk::AccountKind::Cash : risk::AccountKind::Margin;
    l.max_position_quantity = 50 + static_cast<double>(rng() % 500);
    l.max_position_pct = 5 + static_cast<double>(rng() % 40);
    l.max_open_orders = 2 + static_cast<double>(rng() % 8);
    l.max_order_quantity = 10 + static_cast<double>(rng() % 300);
    l.daily_loss_pct = 0;
    const std::size_t strategies = 2 + rng() % 3;
    SharedMarket m(strategies, {"A", "B", "C"}, l);
    std::vector<double> prices = {50, 20, 120};
    const auto account_within_limits = [&] {
      const Portfolio& p = m.account->portfolio();
      for (SymbolId sym = 0; sym < 3; ++sym) {
        const risk::Pending open = m.account->pending(sym, prices[static_cast<std::size_t>(sym)]);
        const std::int64_t held = p.position(sym).quantity;
        const std::int64_t worst = std::max(std::llabs(held + open.buys), std::llabs(held - open.sells));
        REQUIRE(static_cast<double>(worst) <= l.max_position_quantity);
        if (l.account == risk::AccountKind::Cash) REQUIRE(held - open.sells >= 0);
      }
      REQUIRE(static_cast<double>(m.account->open_order_count()) <= l.max_open_orders);
    };
    for (std::size_t k = 0; k < strategies; ++k) {
      m.scripts[k]->bar_fn = [&](StrategyContext& ctx, int, SymbolId s) {
        const int n = static_cast<int>(rng() % 3);
        for (int i = 0; i < n; ++i) {
          OrderRequest r = buy(1 + static_cast<double>(rng() % 400), s);
          r.side = rng() % 2 == 0 ? Side::Buy : Side::Sell;
          r.type = OrderType::Limit;
          r.limit = prices[static_cast<std::size_t>(s)] * (r.side == Side::Buy ? 1.0 : 0.99);
          const OrderId id = ctx.submit(r);
          (ctx.order(id)->status == OrderStatus::Rejected ? denied_orders : accepted_orders) += 1;
          account_within_limits();
        }
      };
    }
    for (int bar = 0; bar < 60; ++bar) {
      for (double& p : prices) p *= 1 + (static_cast<double>(rng() % 2001) - 1000) / 20'000;
      m.step(prices);
      if (l.account == risk::AccountKind::Cash) REQUIRE(m.account->portfolio().cash().micros >= 0);
      for (SymbolId sym = 0; sym < 3; ++sym) {
        REQUIRE(static_cast<double>(std::llabs(m.account->portfolio().position(sym).quantity)) <= l.max_position_quantity);
        // The account is the sum of its strategies' ledgers.
        std::int64_t sum = 0;
        for (auto& e : m.engines) sum += e->portfolio().position(sym).quantity;
        REQUIRE(sum == m.account->portfolio().position(sym).quantity);
      }
    }
  }
  CHECK(accepted_orders > 500);
  CHECK(denied_orders > 500);
}

namespace {

// A rule that asks, on its first bar, to pause strategy `target`.
struct PauseOnce : risk::RiskRule {
  std::string target;
  std::string rule_name = "pause_once";
  bool asked = false;
  std::vector<risk::RuleAction> pending;
  explicit PauseOnce(std::string t) : target(std::move(t)) {}
  const std::string& name() const override { return rule_name; }
  Expected<risk::RuleVerdict> check_order(const OrderRequest&, double, const risk::RuleContext&) override { return risk::RuleVerdict{}; }
  Expected<void> on_fill(const Fill&, const risk::RuleContext&) override { return {}; }
  Expected<void> on_bar(SymbolId, const Bar&, const risk::RuleContext&) override {
    if (!asked) pending.push_back(risk::RuleAction{risk::RuleActionKind::Pause, target, "test"});
    asked = true;
    return {};
  }
  std::vector<risk::RuleAction> take_actions() override { return std::exchange(pending, {}); }
};

}  // namespace

TEST_CASE("A rule of one strategy may pause another strategy of its account", "[risk][account]") {
  SharedMarket shared(2, {"MSFT"}, no_limits());
  PauseOnce rule("s1");
  shared.engines[0]->add_risk_rule(&rule);
  shared.step({50});
  CHECK_FALSE(shared.engines[0]->risk().strategy_paused());
  CHECK(shared.engines[1]->risk().strategy_paused());
  REQUIRE(shared.engines[1]->risk_events().size() == 1);
  CHECK(shared.engines[1]->risk_events()[0].code == risk::k_rule_pause);
  // Paused strategies are not called; the other one is.
  const int calls_before = shared.scripts[1]->calls;
  shared.step({50});
  CHECK(shared.scripts[1]->calls == calls_before);
}
