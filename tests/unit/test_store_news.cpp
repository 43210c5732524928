// News in the store: articles written and updated by URL, and the sentiment a run sees: the
// relevance-weighted score of what was published in the window ending now, never after it.
#include <catch2/catch.hpp>

#include "store/market_store.hpp"
#include "store/news_store.hpp"
#include "temp_store.hpp"
#include "util/time.hpp"

namespace aiots {
namespace {

NewsArticle article(const std::string& url, const std::string& when, double score, double relevance = 1.0) {
  NewsArticle a;
  a.url = url;
  a.time = parse_time(when)->ts;
  a.source = "wire";
  a.title = url;
  a.overall_score = score;
  a.overall_label = "Neutral";
  a.tickers.push_back(TickerSentiment{"MSFT", relevance, score, "Neutral"});
  return a;
}

TEST_CASE("sentiment is what was published in the window ending now, weighted by relevance", "[news]") {
  test::TempStore tmp;
  auto store = MarketStore::open(tmp.path);
  REQUIRE(store);
  Database& db = store->db();
  {
    Transaction tx(db);
    REQUIRE(tx.begin());
    auto written = write_news(db, {article("a", "2024-01-02T14:00:00Z", 0.5, 1.0), article("b", "2024-01-03T14:00:00Z", -0.1, 0.5),
                                   article("c", "2024-01-05T14:00:00Z", 0.9, 1.0)},
                              "test");
    REQUIRE(written);
    CHECK(written->inserted == 3);
    REQUIRE(tx.commit());
  }
  auto source = StoredSentiment::open(db);
  REQUIRE(source);
  const Timestamp day = k_ns_per_day;
  // At 2024-01-03 14:00 exactly, b counts (published at now), c does not (later).
  auto s = (*source)->at("MSFT", parse_time("2024-01-03T14:00:00Z")->ts, 7 * day);
  REQUIRE(s);
  CHECK(s->articles == 2);
  CHECK(s->score == Approx((0.5 * 1.0 + -0.1 * 0.5) / 1.5));
  CHECK(s->relevance == Approx(0.75));
  CHECK(format_time(s->latest) == "2024-01-03T14:00:00Z");
  // A window that ends before any article, or starts after them: nothing.
  CHECK_FALSE((*source)->at("MSFT", parse_time("2024-01-02T13:59:59Z")->ts, 7 * day));
  CHECK_FALSE((*source)->at("MSFT", parse_time("2024-01-20T00:00:00Z")->ts, 7 * day));
  CHECK_FALSE((*source)->at("AAPL", parse_time("2024-01-03T14:00:00Z")->ts, 7 * day));
  // The window's start is exclusive: one day back from c's time leaves b (a day and more) out.
  auto last = (*source)->at("MSFT", parse_time("2024-01-05T14:00:00Z")->ts, 2 * day);
  REQUIRE(last);
  CHECK(last->articles == 1);

  // The same URL again updates the article: no duplicate, the new score counts.
  const std::string before = *news_digest(db, {"MSFT"});
  {
    Transaction tx(db);
    REQUIRE(tx.begin());
    auto again = write_news(db, {article("c", "2024-01-05T14:00:00Z", -0.9, 1.0)}, "test");
    REQUIRE(again);
    CHECK(again->updated == 1);
    CHECK(again->inserted == 0);
    REQUIRE(tx.commit());
  }
  auto updated = (*source)->at("MSFT", parse_time("2024-01-05T14:00:00Z")->ts, 2 * day);
  REQUIRE(updated);
  CHECK(updated->articles == 1);
  CHECK(updated->score == Approx(-0.9));
  CHECK(*news_digest(db, {"MSFT"}) != before);
}

}  // namespace
}  // namespace aiots
