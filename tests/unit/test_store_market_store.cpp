#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>

#include "store/market_store.hpp"
#include "temp_store.hpp"
#include "store/schema.hpp"

using namespace aiots;
using aiots::test::TempStore;

namespace {

std::vector<Bar> daily_bars(int count, double base) {
  std::vector<Bar> bars;
  for (int i = 0; i < count; ++i) {
    const double p = base + i;
    bars.push_back(Bar{(11'323 + i) * k_ns_per_day, p, p + 1, p - 1, p, 100.0 + i});
  }
  return bars;
}

}  // namespace

TEST_CASE("The store creates its directory, migrates, and records the schema version", "[store]") {
  TempStore t;
  auto store = MarketStore::open(t.path);
  REQUIRE(store);
  auto v = store->db().prepare("PRAGMA user_version");
  REQUIRE(v);
  REQUIRE(*v->step());
  CHECK(v->column_int(0) == current_schema_version());
  auto mode = store->db().prepare("PRAGMA journal_mode");
  REQUIRE(*mode->step());
  CHECK(mode->column_text(0) == "wal");
}

TEST_CASE("A store from a newer aiots is refused", "[store]") {
  TempStore t;
  REQUIRE(MarketStore::open(t.path));
  {
    auto db = Database::open(t.path, false);
    REQUIRE(db->exec("PRAGMA user_version = 99"));
  }
  auto again = MarketStore::open(t.path);
  REQUIRE_FALSE(again);
  CHECK(again.error().message.find("schema version 99") != std::string::npos);
}

TEST_CASE("Writes are idempotent, conflicts refused, replace replaces", "[store]") {
  TempStore t;
  auto store = *MarketStore::open(t.path);
  const auto id = *store.ensure_series("MSFT", Timeframe{86'400}, SeriesKind::Bars);
  const auto bars = daily_bars(10, 50);
  auto first = store.write_bars(id, bars, false);
  REQUIRE(first);
  CHECK(first->inserted == 10);
  auto again = store.write_bars(id, bars, false);
  REQUIRE(again);
  CHECK(again->inserted == 0);
  CHECK(again->unchanged == 10);

  auto changed = bars;
  changed[4].close += 0.5;
  auto conflict = store.write_bars(id, changed, false);
  REQUIRE(conflict);
  REQUIRE(conflict->conflict);
  CHECK(*conflict->conflict == 4);
  CHECK(conflict->stored.close == bars[4].close);
  CHECK((*store.load_bars(id))[4].close == bars[4].close);

  auto replaced = store.write_bars(id, changed, true);
  REQUIRE(replaced);
  CHECK(replaced->replaced == 10);
  CHECK((*store.load_bars(id))[4].close == changed[4].close);

  const auto info = *store.resolve("MSFT", std::nullopt);
  CHECK(info.rows == 10);
  CHECK(*info.first == bars.front().ts);
  CHECK(*info.last == bars.back().ts);
}

TEST_CASE("A rolled-back transaction leaves the store unchanged", "[store]") {
  TempStore t;
  auto store = *MarketStore::open(t.path);
  {
    Transaction tx(store.db());
    REQUIRE(tx.begin());
    const auto id = *store.ensure_series("AAA", Timeframe{86'400}, SeriesKind::Bars);
    REQUIRE(store.write_bars(id, daily_bars(5, 10), false));
    // no commit: as when a later file in the same import fails
  }
  CHECK(store.list()->empty());
}

TEST_CASE("Ranges load and remove, quotes round-trip NaN fields", "[store]") {
  TempStore t;
  auto store = *MarketStore::open(t.path);
  const auto id = *store.ensure_series("BBB", Timeframe{86'400}, SeriesKind::Bars);
  const auto bars = daily_bars(10, 10);
  REQUIRE(store.write_bars(id, bars, false));
  CHECK(store.load_bars(id, TimeRange{bars[2].ts, bars[5].ts})->size() == 4);
  auto info = *store.resolve("BBB", Timeframe{86'400});
  CHECK(*store.remove(info, TimeRange{bars[8].ts, std::nullopt}) == 2);
  CHECK(store.resolve("BBB", std::nullopt)->rows == 8);
  CHECK(*store.remove(info, TimeRange{}) == 8);
  CHECK_FALSE(store.resolve("BBB", std::nullopt));

  const auto qid = *store.ensure_series("FX", Timeframe::tick(), SeriesKind::Quotes);
  REQUIRE(store.write_quotes(qid, std::vector<Quote>{{1, 1.5, NAN, NAN}, {2, NAN, 1.1, 1.2}}, false));
  const auto quotes = *store.load_quotes(qid);
  CHECK(quotes[0].price == 1.5);
  CHECK(std::isnan(quotes[0].bid));
  CHECK(quotes[1].ask == 1.2);
  CHECK(store.write_quotes(qid, quotes, false)->unchanged == 2);
  CHECK_FALSE(store.ensure_series("FX", Timeframe::tick(), SeriesKind::Bars));
}
