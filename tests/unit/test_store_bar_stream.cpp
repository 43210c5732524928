// Backtests read stored bars on a thread while the engine runs on those already read: the
// stream must hand over exactly what load_bars returns, in order, whatever the run boundaries,
// and the feed must group bars of several symbols the same way from runs as from vectors.
#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>

#include "engine/core/bar_feed.hpp"
#include "store/market_store.hpp"
#include "store/store_bar_stream.hpp"
#include "util/sha256.hpp"

using namespace aiots;

namespace {

struct TempStore {
  std::string dir = std::filesystem::temp_directory_path() / ("aiots-stream-" + std::to_string(getpid()) + "-" +
                                                              std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  std::string path = dir + "/aiots.db";
  ~TempStore() { std::filesystem::remove_all(dir); }
};

std::vector<Bar> minute_bars(std::size_t count, Timestamp start, double base) {
  std::vector<Bar> bars;
  for (std::size_t i = 0; i < count; ++i) {
    const double p = base + static_cast<double>(i % 97);
    bars.push_back(Bar{start + static_cast<Timestamp>(i) * 60 * k_ns_per_second, p, p + 1, p - 1, p + 0.5, 10.0 + i});
  }
  return bars;
}

std::string manifest_hash(const std::vector<std::string>& symbols, const std::vector<std::vector<Bar>>& bars) {
  Sha256 digest;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    digest.update(symbols[i] + "\n");
    digest.update(std::string_view(reinterpret_cast<const char*>(bars[i].data()), bars[i].size() * sizeof(Bar)));
  }
  return digest.hex();
}

// Records every bar the engine hands the strategy.
struct Recording final : Strategy {
  std::vector<std::pair<SymbolId, Timestamp>> seen;
  Expected<void> on_start(StrategyContext&) override { return {}; }
  Expected<void> on_bar(StrategyContext&, SymbolId symbol, const Bar& bar) override {
    seen.emplace_back(symbol, bar.ts);
    return {};
  }
  Expected<void> on_order(StrategyContext&, const OrderEvent&, const Order&) override { return {}; }
  Expected<void> on_fill(StrategyContext&, const Fill&) override { return {}; }
  Expected<void> on_stop(StrategyContext&) override { return {}; }
};

// Hands each series out `run` bars at a time.
struct SmallRuns final : BarSource {
  std::vector<std::vector<Bar>> series;
  std::size_t run;
  std::vector<std::size_t> at;
  SmallRuns(std::vector<std::vector<Bar>> s, std::size_t r) : series(std::move(s)), run(r), at(series.size(), 0) {}
  std::size_t series_count() const override { return series.size(); }
  std::span<const Bar> next(std::size_t s) override {
    const std::size_t from = at[s];
    const std::size_t n = std::min(run, series[s].size() - from);
    at[s] += n;
    return {series[s].data() + from, n};
  }
  std::size_t expected(std::size_t) const override { return 0; }
};

std::vector<std::pair<SymbolId, Timestamp>> feed(const std::vector<std::vector<Bar>>& series, BarSource* source) {
  Recording strategy;
  EngineConfig cfg;
  cfg.instruments = {Instrument{"A", 1, 0.01, Timeframe{60}}, Instrument{"B", 1, 0.01, Timeframe{60}}};
  Engine engine(cfg, strategy);
  REQUIRE(engine.start());
  Engine* const engines[] = {&engine};
  if (source != nullptr) {
    feed_bars(std::span<Engine* const>(engines), *source);
  } else {
    feed_bars(std::span<Engine* const>(engines), series);
  }
  engine.finish();
  return strategy.seen;
}

}  // namespace

TEST_CASE("The store stream hands over what load_bars reads, and its manifest hash", "[store][stream]") {
  TempStore t;
  auto store = MarketStore::open(t.path);
  REQUIRE(store);
  const Timestamp start = 1'600'000'000 * k_ns_per_second;
  const std::vector<std::vector<Bar>> written = {minute_bars(40'000, start, 100), minute_bars(20'001, start + 30 * k_ns_per_second, 50)};
  const std::vector<std::string> symbols = {"AAA", "BBB"};
  std::vector<StoreBarStream::Series> series;
  for (std::size_t i = 0; i < 2; ++i) {
    auto id = store->ensure_series(symbols[i], Timeframe{60}, SeriesKind::Bars);
    REQUIRE(id);
    REQUIRE(store->write_bars(*id, written[i], false));
    series.push_back({symbols[i], *id, i == 0 ? written[i].size() : 10});
  }
  // BBB's expected count is far too small (a summary gone stale): its bars overflow into runs of
  // their own and still arrive whole and in order.
  SECTION("the whole range") {
    StoreBarStream stream(t.path, series, TimeRange{});
    std::vector<std::vector<Bar>> got(2);
    for (std::size_t s = 0; s < 2; ++s) {
      for (auto run = stream.next(s); !run.empty(); run = stream.next(s)) {
        CHECK(run.size() <= 16384);
        got[s].insert(got[s].end(), run.begin(), run.end());
      }
    }
    CHECK(got == written);
    auto result = stream.finish();
    REQUIRE(result);
    CHECK(result->bars == written);
    CHECK(result->sha256 == manifest_hash(symbols, written));
  }
  SECTION("a range") {
    const TimeRange range{start + 100 * 60 * k_ns_per_second, start + 30'000 * 60 * k_ns_per_second};
    StoreBarStream stream(t.path, series, range);
    auto result = stream.finish();  // nothing taken before: finish still has everything
    REQUIRE(result);
    for (std::size_t s = 0; s < 2; ++s) {
      auto loaded = store->load_bars(series[s].id, range);
      REQUIRE(loaded);
      CHECK(result->bars[s] == *loaded);
    }
  }
  SECTION("a store that cannot be opened is an error from finish, and the feed sees no bars") {
    StoreBarStream stream(t.path + "/under-a-file.db", series, TimeRange{});  // the store is a file
    CHECK(stream.next(0).empty());
    CHECK_FALSE(stream.finish());
  }
}

TEST_CASE("Feeding from runs groups bars of several symbols as feeding from vectors does", "[engine][stream]") {
  const Timestamp start = 1'600'000'000 * k_ns_per_second;
  // A has every minute; B every other minute from the third, then stops early: groups of one
  // and two bars, and run boundaries that fall inside groups.
  std::vector<Bar> a = minute_bars(50, start, 10);
  std::vector<Bar> b;
  for (std::size_t i = 2; i < 35; i += 2) b.push_back(a[i]);
  const std::vector<std::vector<Bar>> series = {a, b};
  const auto whole = feed(series, nullptr);
  REQUIRE(whole.size() == a.size() + b.size());
  for (std::size_t run : {1, 3, 7, 64}) {
    INFO("runs of " << run);
    SmallRuns source(series, run);
    CHECK(feed(series, &source) == whole);
  }
}
