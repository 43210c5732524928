// Backtests read stored bars on a thread while the engine runs on those already read: the
// stream must hand over exactly what load_bars returns, in order, whatever the run boundaries,
// in bounded memory (chunks recycled), without deadlock whichever series the engine asks for,
// and the feed must group bars of several symbols the same way from runs as from vectors.
#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>

#include "engine/core/bar_feed.hpp"
#include "store/market_store.hpp"
#include "store/store_bar_stream.hpp"
#include "temp_store.hpp"
#include "util/sha256.hpp"

using namespace aiots;
using aiots::test::TempStore;

namespace {

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

// What a summary should say of `bars`.
void check_summary(const BarSummary& summary, const std::vector<Bar>& bars, std::size_t closes) {
  REQUIRE(summary.count() == bars.size());
  CHECK(summary.first() == bars.front().ts);
  CHECK(summary.last() == bars.back().ts);
  std::vector<double> last;
  for (std::size_t i = bars.size() - std::min(closes, bars.size()); i < bars.size(); ++i) last.push_back(bars[i].close);
  CHECK(summary.recent_closes(closes) == last);
  const std::vector<Bar> chart = summary.chart();
  CHECK(chart.size() <= 2 * 4096 + 1);
  CHECK(chart.front() == bars.front());
  CHECK(chart.back() == bars.back());
}

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
    series.push_back({symbols[i], *id, i == 0 ? written[i].size() : 10});  // BBB's count is stale: no matter
  }
  SECTION("the whole range, the series taken in turn") {
    StoreBarStream stream(t.path, series, TimeRange{}, 251);
    std::vector<std::vector<Bar>> got(2);
    std::vector<bool> ended(2, false);
    while (!ended[0] || !ended[1]) {
      for (std::size_t s = 0; s < 2; ++s) {
        if (ended[s]) continue;
        const auto run = stream.next(s);
        CHECK(run.size() <= 16384);
        ended[s] = run.empty();
        got[s].insert(got[s].end(), run.begin(), run.end());
      }
    }
    CHECK(got == written);
    auto result = stream.finish();
    REQUIRE(result);
    for (std::size_t s = 0; s < 2; ++s) check_summary(result->series[s], written[s], 251);
    CHECK(result->sha256 == manifest_hash(symbols, written));
  }
  SECTION("one series read to its end before the other is touched: no deadlock, nothing lost") {
    StoreBarStream stream(t.path, series, TimeRange{}, 10);
    std::vector<std::vector<Bar>> got(2);
    for (std::size_t s : {1, 0}) {
      for (auto run = stream.next(s); !run.empty(); run = stream.next(s)) got[s].insert(got[s].end(), run.begin(), run.end());
    }
    CHECK(got == written);
    auto result = stream.finish();
    REQUIRE(result);
    CHECK(result->sha256 == manifest_hash(symbols, written));
  }
  SECTION("a run that stops early: finish reads the rest for the summaries and the hash") {
    StoreBarStream stream(t.path, series, TimeRange{}, 251);
    CHECK_FALSE(stream.next(0).empty());
    auto result = stream.finish();
    REQUIRE(result);
    for (std::size_t s = 0; s < 2; ++s) check_summary(result->series[s], written[s], 251);
    CHECK(result->sha256 == manifest_hash(symbols, written));
  }
  SECTION("a range, nothing taken") {
    const TimeRange range{start + 100 * 60 * k_ns_per_second, start + 30'000 * 60 * k_ns_per_second};
    StoreBarStream stream(t.path, series, range, 1'000'000);
    auto result = stream.finish();
    REQUIRE(result);
    std::vector<std::vector<Bar>> loaded;
    for (std::size_t s = 0; s < 2; ++s) {
      auto bars = store->load_bars(series[s].id, range);
      REQUIRE(bars);
      check_summary(result->series[s], *bars, 1'000'000);
      loaded.push_back(*bars);
    }
    CHECK(result->sha256 == manifest_hash(symbols, loaded));
  }
  SECTION("a store that cannot be opened is an error from finish, and the feed sees no bars") {
    StoreBarStream stream(t.path + "/under-a-file.db", series, TimeRange{}, 10);  // the store is a file
    CHECK(stream.next(0).empty());
    CHECK_FALSE(stream.finish());
  }
  SECTION("destroyed while the reader waits for room: it stops") {
    StoreBarStream stream(t.path, series, TimeRange{}, 10);
    CHECK_FALSE(stream.next(0).empty());
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
