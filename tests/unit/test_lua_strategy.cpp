// The Lua host: sandbox, limits, parameters, and the API through a real engine run.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "engine/core/bar_feed.hpp"
#include "lua/lua_strategy.hpp"

using namespace aiots;

namespace {

std::string write_plugin(const std::string& name, const std::string& code) {
  const std::string path = std::filesystem::temp_directory_path() / ("aiots-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(path) << code;
  return path;
}

std::vector<Bar> ramp(int n) {
  std::vector<Bar> bars;
  for (int i = 0; i < n; ++i) {
    const double p = 100 + i;
    bars.push_back(Bar{(11'000 + i) * k_ns_per_day, p, p + 1, p - 1, p + 0.5, 1000});
  }
  return bars;
}

Expected<std::unique_ptr<lua::LuaStrategy>> load(const std::string& path, std::map<std::string, std::string> params = {},
                                                 lua::Limits limits = {}) {
  return lua::LuaStrategy::load(path, {"X"}, params, limits, 1);
}

}  // namespace

TEST_CASE("Parameters are typed by their defaults and checked", "[lua]") {
  const auto path = write_plugin("params.lua", R"(return { name = "p", params = {
      n = { default = 10, min = 1, max = 50 }, x = { default = 0.5 }, s = { default = "a" }, b = { default = false } } })");
  auto ok = load(path, {{"n", "20"}, {"x", "2"}, {"b", "true"}});
  REQUIRE(ok);
  CHECK(std::get<std::int64_t>((*ok)->values().at("n")) == 20);
  CHECK(std::get<double>((*ok)->values().at("x")) == 2.0);
  CHECK(std::get<bool>((*ok)->values().at("b")));
  CHECK(load(path, {{"n", "2.5"}}).error().kind == ErrorKind::Usage);
  CHECK(load(path, {{"n", "99"}}).error().message.find("out of range") != std::string::npos);
  CHECK(load(path, {{"zz", "1"}}).error().message.find("unknown parameter 'zz'") != std::string::npos);
  CHECK(load(path, {{"b", "maybe"}}).error().kind == ErrorKind::Usage);
  std::filesystem::remove(path);
}

TEST_CASE("Strategy files must return a proper table", "[lua]") {
  const auto a = write_plugin("a.lua", "return 42");
  CHECK(load(a).error().message.find("must return a table (got number)") != std::string::npos);
  const auto b = write_plugin("b.lua", "return { on_bar = function() end }");
  CHECK(load(b).error().message.find("needs a string 'name'") != std::string::npos);
  const auto c = write_plugin("c.lua", "return { name = 'c', on_bar = 5 }");
  CHECK(load(c).error().message.find("'on_bar' must be a function") != std::string::npos);
  const auto d = write_plugin("d.lua", "\x1bLua");
  CHECK_FALSE(load(d));  // bytecode is refused
  for (const auto& p : {a, b, c, d}) {
    std::filesystem::remove(p);
  }
}

TEST_CASE("A strategy trades through the API and sees only closed bars", "[lua]") {
  const auto path = write_plugin("api.lua", R"(
    local seen, sma = {}, nil
    return { name = "api",
      on_start = function(ctx) sma = ctx:indicator("sma", 3) end,
      on_bar = function(ctx, bar)
        seen[#seen + 1] = bar.close
        if #seen == 3 then
          assert(sma.value == (seen[1] + seen[2] + seen[3]) / 3, "sma handle")
          assert(ctx:buy(10) == 1)
          local id, err = ctx:buy(-1)
          assert(id == nil and err:find("INVALID_QUANTITY"), "rejection")
        end
        if #seen == 4 then
          assert(ctx:position() == 10, "position after fill")
          assert(ctx:avg_price() == bar.open, "filled at this bar's open")
          ctx.state.done = true
          ctx:close()
        end
      end })");
  auto s = load(path);
  REQUIRE(s);
  EngineConfig cfg;
  cfg.instruments = {Instrument{"X", 1, 0.01, Timeframe{86'400}}};
  Engine engine(cfg, **s);
  REQUIRE(engine.start());
  const std::vector<std::vector<Bar>> series = {ramp(6)};
  feed_bars(engine, series);
  engine.finish();
  INFO(engine.failure().value_or(""));
  CHECK_FALSE(engine.failure());
  REQUIRE(engine.trades().size() == 1);
  CHECK(engine.trades()[0].entry_price == 103);
  CHECK(engine.trades()[0].exit_price == 104);
  std::filesystem::remove(path);
}

TEST_CASE("Budget and memory limits stop only the plugin", "[lua]") {
  const auto loop = write_plugin("loop.lua", "return { name = 'l', on_start = function() while true do end end }");
  auto s = load(loop, {}, lua::Limits{50'000, 8u << 20});
  REQUIRE(s);
  EngineConfig cfg;
  cfg.instruments = {Instrument{"X", 1, 0.01, Timeframe{86'400}}};
  Engine engine(cfg, **s);
  auto started = engine.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().message.find("loop.lua:1: instruction budget of 50000 exceeded") != std::string::npos);

  const auto hog = write_plugin("hog.lua", "local t = {} for i = 1, 1e8 do t[i] = i end return { name = 'h' }");
  auto h = load(hog, {}, lua::Limits{1'000'000'000, 4u << 20});
  REQUIRE_FALSE(h);
  CHECK(h.error().message.find("memory cap of 4 MiB exceeded") != std::string::npos);
  std::filesystem::remove(loop);
  std::filesystem::remove(hog);
}

TEST_CASE("ctx:cash and ctx:position hold from the start, also after a restore", "[lua]") {
  // Before, the prelude read cash before the engine existed (0 until the first fill) and never
  // saw positions restored from a journal (a restarted daemon's strategy thought it was flat).
  const auto path = write_plugin("books.lua", R"(
    return { name = "books",
      on_start = function(ctx)
        assert(ctx:cash() == ctx.params.cash, "cash at start " .. ctx:cash())
        assert(ctx:position("X") == ctx.params.held, "position at start " .. ctx:position("X"))
      end,
      on_bar = function(ctx, bar) assert(ctx:cash() == ctx.params.cash, "cash on the first bar") end,
      params = { cash = { default = 0.5 }, held = { default = 0 } } })");
  for (const auto& [held, cash] : {std::pair{0, 100'000.0}, std::pair{7, 100'000.0 - 7 * 101.0}}) {
    auto s = load(path, {{"cash", std::to_string(cash)}, {"held", std::to_string(held)}});
    REQUIRE(s);
    EngineConfig cfg;
    cfg.instruments = {Instrument{"X", 1, 0.01, Timeframe{86'400}}};
    Engine engine(cfg, **s);
    if (held > 0) {
      Portfolio ledger(cfg.initial_cash, cfg.instruments);
      ledger.apply(Fill{1, 1, 0, Side::Buy, held, 101.0, Money{}});
      engine.restore_checkpoint(ledger, {}, BrokerHistory{1, 0, 0, 1, 0});
    }
    REQUIRE(engine.start());
    const std::vector<std::vector<Bar>> series = {ramp(1)};
    feed_bars(engine, series);
    INFO(engine.failure().value_or(""));
    CHECK_FALSE(engine.failure());
  }
  std::filesystem::remove(path);
}
