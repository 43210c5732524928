// Options inside the engine, driven by Lua strategies: contracts joining a run, their bars
// priced from the underlying's, fills, settlement at expiry (exercise, assignment, worthless,
// cash), expiring orders, portfolio Greeks, ctx:chain and the bs library.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "engine/core/bar_feed.hpp"
#include "engine/options/chain_source.hpp"
#include "lua/lua_strategy.hpp"

using namespace aiots;
using namespace aiots::options;

namespace {

constexpr double k_vol = 0.25;
const Timestamp k_monday = parse_time("2026-01-05")->ts;  // the week's Friday is 2026-01-09
constexpr Timestamp k_close_offset = 21 * 3600 * k_ns_per_second;  // 16:00 New York in winter

// A fixed chain: calls and puts at 90, 100, 110 expiring Friday, all at 25% volatility.
class FixedChains final : public ChainSource {
public:
  explicit FixedChains(bool cash) : m_cash(cash) {
    ChainSnapshot chain;
    chain.underlying = "X";
    for (double k : {90.0, 100.0, 110.0}) {
      for (OptionType t : {OptionType::Call, OptionType::Put}) {
        OptionQuote q;
        q.expiry = expiry_instant(day_number(k_monday) + 4);
        q.strike = k;
        q.type = t;
        q.open_interest = 1000;
        q.volume = 10;
        q.vendor_iv = k_vol;  // no quotes: the vendor's volatility
        chain.quotes.push_back(q);
      }
    }
    m_priced = price_chain(std::move(chain), ChainParams{100, k_monday, 0, 0}, *TimeZone::locate("America/New_York"));
  }
  const PricedChain* chain(const std::string& underlying, Timestamp) override {
    return underlying == "X" ? &m_priced : nullptr;
  }
  Timestamp expiry_instant(std::int64_t day) const override { return day * k_ns_per_day + k_close_offset; }
  Timestamp bar_close(Timestamp bar_ts, Timeframe) const override { return bar_ts + k_close_offset; }
  bool cash_settled() const override { return m_cash; }
  double rate() const override { return 0; }
  double dividend() const override { return 0; }

private:
  bool m_cash;
  PricedChain m_priced;
};

std::string write_plugin(const std::string& name, const std::string& code) {
  const std::string path = std::filesystem::temp_directory_path() / ("aiots-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(path) << code;
  return path;
}

// Monday to Friday, closing at the given prices; each opens at the previous close.
std::vector<Bar> week(std::vector<double> closes) {
  std::vector<Bar> bars;
  double open = 100;
  for (std::size_t i = 0; i < closes.size(); ++i) {
    const double c = closes[i];
    bars.push_back(Bar{k_monday + static_cast<Timestamp>(i) * k_ns_per_day, open, std::max(open, c) + 0.5,
                       std::min(open, c) - 0.5, c, 1e6});
    open = c;
  }
  return bars;
}

struct Run {
  std::unique_ptr<lua::LuaStrategy> strategy;
  std::unique_ptr<Engine> engine;
};

Run run(const std::string& code, std::vector<double> closes, ChainSource* source) {
  const auto path = write_plugin("opt.lua", code);
  auto s = lua::LuaStrategy::load(path, {"X"}, {}, {}, 1);
  std::filesystem::remove(path);
  INFO((s ? std::string() : s.error().message));
  REQUIRE(s);
  Run r;
  r.strategy = std::move(*s);
  EngineConfig cfg;
  cfg.instruments = {Instrument{"X", 1, 0.01, Timeframe{86'400}}};
  // Orders here are devices to test settlement (a short call at a limit far above the market),
  // not sized for an account: the position limit is off.
  cfg.risk.max_position_pct = 0;
  r.engine = std::make_unique<Engine>(cfg, *r.strategy);
  r.engine->set_chain_source(source);
  REQUIRE(r.engine->start());
  const std::vector<std::vector<Bar>> series = {week(std::move(closes))};
  feed_bars(*r.engine, series);
  r.engine->finish();
  return r;
}

double value(OptionType type, double spot, double strike, Timestamp at) {
  const Timestamp expiry = k_monday + 4 * k_ns_per_day + k_close_offset;
  return bs_price(BsInputs{type, spot, strike, static_cast<double>(expiry - at) / (365.0 * 86'400e9), 0, 0, k_vol});
}

const char* k_buy_calls_sell_put = R"(
  return { name = "o",
    on_bar = function(ctx, bar)
      if ctx.state.done then return end
      ctx.state.done = true
      assert(ctx:buy(2, { symbol = "X260109C00100000" }))
      assert(ctx:sell(1, { symbol = "X260109P00090000" }))
    end })";

}  // namespace

TEST_CASE("A long call is exercised and a short put expires worthless", "[options][engine]") {
  FixedChains chains(false);
  Run r = run(k_buy_calls_sell_put, {100, 102, 104, 106, 110}, &chains);
  const Engine& e = *r.engine;
  INFO(e.failure().value_or(""));
  REQUIRE_FALSE(e.failure());
  const auto& instruments = e.portfolio().instruments();
  REQUIRE(instruments.size() == 3);
  CHECK(instruments[1].symbol == "X260109C00100000");
  CHECK(instruments[1].multiplier == 100);
  CHECK(instruments[1].option->physical);
  // Market orders fill at Tuesday's open, priced at Tuesday's open time and spot.
  const Timestamp tuesday = k_monday + k_ns_per_day;
  const double call_fill = value(OptionType::Call, 100, 100, tuesday);
  const double put_fill = value(OptionType::Put, 100, 90, tuesday);
  REQUIRE(e.fills().size() >= 2);
  CHECK(e.fills()[0].price == Approx(call_fill).epsilon(1e-12));
  CHECK(e.fills()[1].price == Approx(put_fill).epsilon(1e-12));
  // Friday's close (110): the calls are exercised (sold at intrinsic 10, 200 shares bought at
  // 110, i.e. bought at the strike), the put expires worthless.
  CHECK(e.portfolio().position(0).quantity == 200);
  CHECK(e.portfolio().position(1).quantity == 0);
  CHECK(e.portfolio().position(2).quantity == 0);
  const double expected_cash = 100'000 - 2 * 100 * call_fill + 100 * put_fill + 2 * 100 * 10 - 200 * 110;
  CHECK(e.portfolio().cash().value() == Approx(expected_cash).margin(1e-5));
  std::map<std::string, int> tags;
  for (std::size_t id = 1; id <= e.broker().order_count(); ++id) ++tags[e.broker().order(static_cast<OrderId>(id)).request.tag];
  CHECK(tags["exercise"] == 1);
  CHECK(tags["exercise_delivery"] == 1);
  CHECK(tags["expired_worthless"] == 1);
  // Greeks after expiry: the shares alone.
  CHECK(e.greeks().delta == 200);
  CHECK(e.greeks().gamma == 0);
}

TEST_CASE("A short put is assigned, cash settlement delivers nothing", "[options][engine]") {
  const char* code = R"(
    return { name = "o",
      on_bar = function(ctx, bar)
        if ctx.state.done then return end
        ctx.state.done = true
        assert(ctx:sell(3, { symbol = "X260109P00100000" }))
      end })";
  FixedChains physical(false);
  Run a = run(code, {100, 98, 96, 94, 92}, &physical);
  REQUIRE_FALSE(a.engine->failure());
  CHECK(a.engine->portfolio().position(0).quantity == 300);  // assigned: bought at 100
  const double premium = a.engine->fills()[0].price;
  CHECK(a.engine->portfolio().cash().value() == Approx(100'000 + 300 * premium - 300 * 8 - 300 * 92).margin(1e-5));
  FixedChains cash(true);
  Run b = run(code, {100, 98, 96, 94, 92}, &cash);
  REQUIRE_FALSE(b.engine->failure());
  CHECK(b.engine->portfolio().position(0).quantity == 0);
  CHECK(b.engine->portfolio().cash().value() == Approx(100'000 + 300 * premium - 300 * 8).margin(1e-5));
}

TEST_CASE("Open orders on an expiring contract expire with it", "[options][engine]") {
  const char* code = R"(
    return { name = "o",
      on_bar = function(ctx, bar)
        if ctx.state.id then return end
        ctx.state.id = assert(ctx:sell(1, { symbol = "X260109C00090000", limit = 1000 }))
      end })";
  FixedChains chains(false);
  Run r = run(code, {100, 100, 100, 100, 100}, &chains);
  REQUIRE_FALSE(r.engine->failure());
  const Order& o = r.engine->broker().order(1);
  CHECK(o.status == OrderStatus::Cancelled);
  CHECK(o.reason.starts_with("EXPIRED"));
}

TEST_CASE("ctx:chain, ctx:find_option, ctx:greeks and bs from a strategy", "[options][lua]") {
  const char* code = R"(
    return { name = "o",
      on_bar = function(ctx, bar)
        if not ctx.state.done then
        ctx.state.done = true
        local chain = ctx:chain()
        assert(#chain == 6, "six contracts, got " .. #chain)
        local c = ctx:find_option { type = "call", days = 4, delta = 0.5 }
        assert(c.symbol == "X260109C00100000", c.symbol)
        assert(c.expiry_date == "2026-01-09" and c.strike == 100 and c.iv == 0.25)
        assert(math.abs(c.days - 4) < 1e-9, "days " .. c.days)
        local p = bs.price { type = "call", spot = bar.close, strike = 100, years = c.days / 365, vol = 0.25 }
        assert(math.abs(p - c.value) < 1e-12, "value")
        local g = bs.greeks { type = "call", spot = bar.close, strike = 100, expiry = c.expiry, now = ctx.time + 21 * 3600, vol = 0.25 }
        assert(math.abs(g.delta - c.delta) < 1e-12, "delta")
        local iv, status = bs.iv { type = "call", spot = bar.close, strike = 100, years = c.days / 365, price = p }
        assert(status == "ok" and math.abs(iv - 0.25) < 1e-12, status)
        local none, why = bs.iv { type = "call", spot = 100, strike = 90, years = 0.1, price = 1 }
        assert(none == nil and why == "below_intrinsic", why)
        assert(not pcall(bs.price, { type = "call", spot = -1, strike = 1, years = 1, vol = 0.2 }))
        assert(not pcall(bs.price, { type = "straddle", spot = 1, strike = 1, years = 1, vol = 0.2 }))
        assert(ctx:buy(1, { symbol = c.symbol }))
        local ok, err = pcall(ctx.buy, ctx, 1, { symbol = "Y260109C00100000" })
        assert(not ok and err:find("unknown symbol"), err)
        ok, err = pcall(ctx.buy, ctx, 1, { symbol = "X250109C00100000" })
        assert(not ok and err:find("EXPIRED"), err)
        ok, err = pcall(ctx.indicator, ctx, "sma", 3, c.symbol)
        assert(not ok, "indicators on contracts are refused")
      elseif not ctx.state.checked then
        ctx.state.checked = true
        local g = ctx:greeks()
        assert(g.delta > 40 and g.delta < 60, "one ATM call is about 50 shares of delta, got " .. g.delta)
        assert(g.gamma > 0 and g.vega > 0 and g.theta < 0)
      end
    end })";
  FixedChains chains(false);
  Run r = run(code, {100, 100, 100, 100, 100}, &chains);
  INFO(r.engine->failure().value_or(""));
  CHECK_FALSE(r.engine->failure());
}

TEST_CASE("Without chains, option symbols are refused with a reason", "[options][lua]") {
  const char* code = R"(
    return { name = "o",
      on_bar = function(ctx, bar)
        local ok, err = pcall(ctx.buy, ctx, 1, { symbol = "X260109C00100000" })
        assert(not ok and err:find("NO_OPTION_CHAINS"), err)
        ok, err = pcall(ctx.chain, ctx)
        assert(not ok and err:find("NO_OPTION_CHAINS"), err)
        assert(ctx:greeks().delta == 0)
      end })";
  Run r = run(code, {100, 101}, nullptr);
  INFO(r.engine->failure().value_or(""));
  CHECK_FALSE(r.engine->failure());
}
