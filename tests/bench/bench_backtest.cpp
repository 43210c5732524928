// End-to-end backtest speed: the bundled Lua SMA 10/30 crossover over 1,000,000 one-minute bars
// already in memory, against a plain C++ loop of the same strategy with the same accounting,
// and against the same strategy written in C++ on the engine (engine cost without Lua).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "engine/core/bar_feed.hpp"
#include "engine/indicators/moving_averages.hpp"
#include "lua/lua_strategy.hpp"
#include "report.hpp"

namespace aiots::bench {
namespace {

constexpr std::size_t k_bars = 1'000'000;
constexpr int k_fast = 10;
constexpr int k_slow = 30;
constexpr std::int64_t k_qty = 100;

std::vector<Bar> minute_bars() {
  std::mt19937_64 rng(5);
  std::vector<Bar> bars(k_bars);
  double p = 100;
  const Timestamp t0 = parse_time("2020-01-01T00:00:00Z")->ts;
  for (std::size_t i = 0; i < k_bars; ++i) {
    const double o = p;
    p += static_cast<double>(static_cast<int>(rng() % 201) - 100) / 1000;
    bars[i] = Bar{t0 + static_cast<Timestamp>(i) * 60 * k_ns_per_second, o, std::max(o, p) + 0.01,
                  std::min(o, p) - 0.01, p, 1000};
  }
  return bars;
}

// Reads a /proc/self/status field in kB.
long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) {
      return std::stol(line.substr(std::strlen(field) + 1));
    }
  }
  return 0;
}

// Resets the peak-RSS mark so the next reading covers only what follows (Linux >= 4.0).
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

// The plain loop: same signals, fills at the next open, same integer-micro cash accounting,
// and, like the engine, equity marked to market and recorded on every bar.
Money plain_loop(const std::vector<Bar>& bars, std::vector<Money>& equity) {
  Sma fast(k_fast);
  Sma slow(k_slow);
  Money cash = Money::from(100'000);
  std::int64_t pos = 0;
  double prev = std::nan("");
  std::int64_t pending = 0;  // signed quantity to fill at the next open
  for (const Bar& b : bars) {
    if (pending != 0) {
      cash -= Money::from(b.open * static_cast<double>(pending));
      pos += pending;
      pending = 0;
    }
    equity.push_back(cash + Money::from(static_cast<double>(pos) * b.close));
    const double f = fast.update(b.close);
    const double s = slow.update(b.close);
    if (!slow.ready()) {
      continue;
    }
    const double diff = f - s;
    if (!std::isnan(prev)) {
      if (prev <= 0 && diff > 0 && pos <= 0) {
        pending = k_qty - pos;
      } else if (prev >= 0 && diff < 0 && pos > 0) {
        pending = -pos;
      }
    }
    prev = diff;
  }
  return cash + Money::from(static_cast<double>(pos) * bars.back().close);
}

// The same strategy in C++ through the engine: what the engine itself costs per bar.
class CppCrossover final : public Strategy {
public:
  Expected<void> on_start(StrategyContext& ctx) override {
    m_fast = ctx.add_indicator(IndicatorSpec{"sma", {k_fast}, ""}, 0);
    m_slow = ctx.add_indicator(IndicatorSpec{"sma", {k_slow}, ""}, 0);
    return {};
  }
  Expected<void> on_bar(StrategyContext& ctx, SymbolId, const Bar&) override {
    const double s = ctx.indicator_values(m_slow)[0];
    if (std::isnan(s)) {
      return {};
    }
    const double diff = ctx.indicator_values(m_fast)[0] - s;
    const double before = m_prev;
    m_prev = diff;
    if (std::isnan(before)) {
      return {};
    }
    const std::int64_t pos = ctx.portfolio().position(0).quantity;
    OrderRequest r;
    if (before <= 0 && diff > 0 && pos <= 0) {
      r.side = Side::Buy;
      r.quantity = static_cast<double>(k_qty - pos);
      ctx.submit(r);
    } else if (before >= 0 && diff < 0 && pos > 0) {
      r.side = Side::Sell;
      r.quantity = static_cast<double>(pos);
      ctx.submit(r);
    }
    return {};
  }
  Expected<void> on_order(StrategyContext&, const OrderEvent&, const Order&) override { return {}; }
  Expected<void> on_fill(StrategyContext&, const Fill&) override { return {}; }
  Expected<void> on_stop(StrategyContext&) override { return {}; }

private:
  std::size_t m_fast = 0;
  std::size_t m_slow = 0;
  double m_prev = std::nan("");
};

EngineConfig config() {
  EngineConfig cfg;
  cfg.instruments = {Instrument{"BENCH", 1, 0.01, Timeframe{60}}};
  // The plain loop baseline knows no limits: the engine runs without them (the checks still
  // run on every order), so that all four must end on the same equity.
  cfg.risk.max_position_pct = 0;
  cfg.risk.max_group_pct = 0;
  cfg.risk.daily_loss_pct = 0;
  cfg.risk.initial_margin_pct = 1e-9;
  cfg.risk.maintenance_margin_pct = 1e-9;
  return cfg;
}

}  // namespace

void run_backtest_benchmarks() {
  section("backtest: SMA 10/30 crossover over 1,000,000 one-minute bars (data in memory)");
  const std::vector<Bar> bars = minute_bars();
  const std::vector<std::vector<Bar>> series = {bars};

  Money plain_equity;
  std::vector<Money> plain_curve;
  plain_curve.reserve(k_bars);
  const double plain_s = seconds([&] { plain_equity = plain_loop(bars, plain_curve); });
  const double n = static_cast<double>(k_bars);

  CppCrossover cpp;
  Engine cpp_engine(config(), cpp);
  const double cpp_s = seconds([&] {
    (void)cpp_engine.start();
    feed_bars(cpp_engine, series);
    cpp_engine.finish();
  });

  // Runs the bundled Lua strategy; `instructions` = 0 runs it unmetered.
  const auto run_lua = [&](std::uint64_t instructions, std::unique_ptr<lua::LuaStrategy>& strategy,
                           std::unique_ptr<Engine>& engine) {
    return seconds([&] {
      auto loaded = lua::LuaStrategy::load(AIOTS_SOURCE_DIR "/plugins/strategies/sma_crossover.lua", {"BENCH"},
                                           {{"fast", "10"}, {"slow", "30"}, {"qty", "100"}},
                                           lua::Limits{instructions, 64u << 20}, 0);
      if (!loaded) {
        std::printf("  cannot load the strategy: %s\n", loaded.error().message.c_str());
        return;
      }
      strategy = std::move(*loaded);
      engine = std::make_unique<Engine>(config(), *strategy);
      (void)engine->start();
      feed_bars(*engine, series);
      engine->finish();
    });
  };
  const long rss_before = status_kb("VmRSS:");
  reset_peak();
  std::unique_ptr<Engine> lua_engine;
  std::unique_ptr<lua::LuaStrategy> strategy;
  double lua_s = run_lua(lua::Limits{}.instructions, strategy, lua_engine);
  const long peak_mb = (status_kb("VmHWM:") - rss_before) / 1024;
  if (!lua_engine || lua_engine->failure()) {
    std::printf("  the Lua run failed: %s\n", lua_engine ? lua_engine->failure()->c_str() : "not started");
    return;
  }
  std::unique_ptr<Engine> free_engine;
  std::unique_ptr<lua::LuaStrategy> free_strategy;
  double free_s = run_lua(0, free_strategy, free_engine);
  // The metering cost is a ratio of two short runs: each is run once more, alternating, and the
  // faster of its two runs counts, so that neither side gains from running second.
  lua_s = std::min(lua_s, run_lua(lua::Limits{}.instructions, strategy, lua_engine));
  free_s = std::min(free_s, run_lua(0, free_strategy, free_engine));
  figure("plain C++ loop (baseline)", n / plain_s, "bars/s", 0, "");
  figure("engine + C++ strategy", n / cpp_s, "bars/s", n / plain_s, "plain loop");
  figure("engine + Lua strategy (end to end)", n / lua_s, "bars/s", n / plain_s, "plain loop", 3'000'000);
  figure("slowdown of Lua vs plain loop", lua_s / plain_s, "x", 0, "", 12, true);
  figure("same, unmetered (--instructions 0)", n / free_s, "bars/s", n / plain_s, "plain loop");
  figure("slowdown unmetered vs plain loop", free_s / plain_s, "x", 0, "");
  figure("metering cost, metered/unmetered", lua_s / free_s, "x", 0, "", 1.10, true);
  figure("peak memory beyond the input bars", static_cast<double>(peak_mb), "MB", 0, "", 64, true);
  const bool same = lua_engine->portfolio().equity() == plain_equity &&
                    cpp_engine.portfolio().equity() == plain_equity && free_engine->portfolio().equity() == plain_equity;
  std::printf("  same final equity in all four: %s (%.2f; %zu trades)\n", same ? "yes" : "NO",
              lua_engine->portfolio().equity().value(), lua_engine->trades().size());
}

}  // namespace aiots::bench
