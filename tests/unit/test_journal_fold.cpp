// The journal fold behind checkpoints: folding from a checkpoint plus the records after it
// gives exactly what folding from the first record gives, and an engine restored from it
// trades on exactly as the engine that wrote the records.
#include <catch2/catch.hpp>
#include <random>

#include "live/journal_codec.hpp"
#include "live/journal_fold.hpp"
#include "risk_market.hpp"

namespace aiots {
namespace {

struct Record {
  std::string kind;
  nlohmann::json data;
};

// Journals what an engine does, as aiotsd's strategy slots do.
struct Recorder : EngineObserver {
  std::vector<std::string> names;
  std::vector<Record> records;
  void on_order_event(const OrderEvent& e, const Order& o) override { records.push_back({"order", encode_order_event(e, o, names)}); }
  void on_fill(const Fill& f) override { records.push_back({"fill", encode_fill(f, names)}); }
  void on_signal(const SignalRecord&) override {}
  void on_log(std::string_view) override {}
};

// Random orders (market, resting limits, cancels) decided by the bar index alone, so that two
// engines fed the same bars decide the same.
void random_orders(StrategyContext& ctx, int bar, SymbolId symbol) {
  std::mt19937 rng(static_cast<unsigned>(bar * 7 + symbol));
  const int pick = static_cast<int>(rng() % 10);
  const double qty = 1 + rng() % 20;
  if (pick < 3) {
    ctx.submit(pick == 0 ? test::sell(qty, symbol) : test::buy(qty, symbol));
  } else if (pick < 6) {
    const double price = 50 + (static_cast<double>(rng() % 200) - 100) / 20.0;
    ctx.submit(test::limit_order(pick == 3 ? Side::Sell : Side::Buy, qty, price, symbol));
  } else if (pick == 6) {
    const auto open = ctx.open_orders(symbol);
    if (!open.empty()) (void)ctx.cancel(open[rng() % open.size()]);
  }
}

double price_at(int bar, std::size_t symbol) {
  std::mt19937 rng(static_cast<unsigned>(1000 + bar * 3 + static_cast<int>(symbol)));
  return 45 + static_cast<double>(rng() % 1000) / 100.0;
}

nlohmann::json loaded(const std::vector<std::string>& symbols) {
  return {{"file", "random.lua"}, {"symbols", symbols}, {"params", nlohmann::json::object()}, {"cash", 100'000.0},
          {"account", "paper"}};
}

JournalFold fold_of(const std::vector<Record>& records, std::size_t from, std::size_t to, JournalFold fold) {
  for (std::size_t i = from; i < to; ++i) {
    auto r = fold.apply(records[i].kind, "s", records[i].data);
    INFO("record " << i << ": " << records[i].data.dump());
    REQUIRE(r);
  }
  return fold;
}

// Journals what `m` does into `rec`, from its strategy.loaded record on.
void journal(test::Market& m, Recorder& rec) {
  rec.names = m.symbols;
  m.engine->set_observer(&rec);
  rec.records.push_back({"strategy.loaded", loaded(m.symbols)});
}

void run(test::Market& m, int from, int to) {
  m.script->bar_fn = random_orders;
  for (int b = from; b < to; ++b) {
    m.script->bars = b;
    m.step({price_at(b, 0), price_at(b, 1)});
  }
}

}  // namespace

TEST_CASE("A fold from any checkpoint plus the records after it equals the fold from the start", "[journal][checkpoint]") {
  test::Market m({"AAA", "BBB"}, test::no_limits());
  Recorder rec;
  journal(m, rec);
  run(m, 0, 400);
  const auto& records = rec.records;
  REQUIRE(records.size() > 500);

  const JournalFold full = fold_of(records, 0, records.size(), JournalFold{});
  const nlohmann::json expected = full.to_json();
  // The fold is the engine's book: cash, positions, open orders, counts.
  const JournalFold::Strategy& s = full.strategies().at("s");
  CHECK(s.ledger.cash() == m.engine->portfolio().cash());
  CHECK(s.ledger.realized() == m.engine->portfolio().realized());
  for (SymbolId id : {0, 1}) {
    CHECK(s.ledger.position(id).quantity == m.engine->portfolio().position(id).quantity);
    CHECK(s.ledger.position(id).cost == m.engine->portfolio().position(id).cost);
  }
  std::vector<OrderId> open;
  for (const auto& [id, o] : s.open) open.push_back(id);
  CHECK(open == m.engine->broker().open_orders());
  CHECK(!open.empty());
  CHECK(s.history.orders == m.engine->broker().order_count());
  CHECK(s.history.fills == m.engine->fills().size());
  CHECK(s.history.trades == m.engine->trades().size());
  CHECK(s.history.rejected == m.engine->broker().rejected_count());

  for (std::size_t k = 0; k <= records.size(); k += 97) {
    const JournalFold head = fold_of(records, 0, k, JournalFold{});
    auto restored = JournalFold::from_json(nlohmann::json::parse(head.to_json().dump()));
    REQUIRE(restored);
    const JournalFold resumed = fold_of(records, k, records.size(), std::move(*restored));
    INFO("checkpoint after record " << k);
    CHECK(resumed.to_json() == expected);
  }
}

TEST_CASE("An engine restored from a checkpoint trades on as the engine that wrote it", "[journal][checkpoint]") {
  test::Market original({"AAA", "BBB"}, test::no_limits());
  Recorder rec;
  journal(original, rec);
  run(original, 0, 300);
  const JournalFold fold = fold_of(rec.records, 0, rec.records.size(), JournalFold{});
  const JournalFold::Strategy& s = fold.strategies().at("s");

  test::Market restarted({"AAA", "BBB"}, test::no_limits());
  std::vector<Order> open;
  for (const auto& [id, o] : s.open) open.push_back(o);
  restarted.engine->restore_checkpoint(s.ledger, open, s.history);
  restarted.t = original.t;
  CHECK(restarted.engine->fill_count() == original.engine->fill_count());
  CHECK(restarted.engine->trade_count() == original.engine->trade_count());
  // An order closed before the checkpoint is history: cancelling it says so.
  const auto cancelled = restarted.engine->cancel(1);
  REQUIRE_FALSE(cancelled);
  CHECK_THAT(cancelled.error().message, Catch::StartsWith("ORDER_NOT_OPEN"));

  run(original, 300, 500);
  run(restarted, 300, 500);
  CHECK(restarted.engine->portfolio().cash() == original.engine->portfolio().cash());
  CHECK(restarted.engine->portfolio().realized() == original.engine->portfolio().realized());
  for (SymbolId id : {0, 1}) {
    CHECK(restarted.engine->portfolio().position(id).quantity == original.engine->portfolio().position(id).quantity);
  }
  CHECK(restarted.engine->broker().open_orders() == original.engine->broker().open_orders());
  CHECK(restarted.engine->broker().order_count() == original.engine->broker().order_count());
  CHECK(restarted.engine->fill_count() == original.engine->fill_count());
  CHECK(restarted.engine->trade_count() == original.engine->trade_count());
}

TEST_CASE("A damaged checkpoint is refused with the field that is wrong", "[journal][checkpoint]") {
  JournalFold fold;
  REQUIRE(fold.apply("strategy.loaded", "s", loaded({"AAA"})));
  nlohmann::json j = fold.to_json();
  j["strategies"]["s"].erase("cash_micros");
  auto bad = JournalFold::from_json(j);
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("strategies.s"));
  j = fold.to_json();
  j["version"] = 99;
  bad = JournalFold::from_json(j);
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("version 99"));
}

TEST_CASE("Order events the journal cannot place are errors, not silently folded", "[journal][checkpoint]") {
  JournalFold fold;
  REQUIRE(fold.apply("strategy.loaded", "s", loaded({"AAA"})));
  const auto filled = fold.apply("order", "s", {{"id", 3}, {"event", "filled"}, {"fill_qty", 1}, {"fill_price", 1.0}});
  REQUIRE_FALSE(filled);
  CHECK_THAT(filled.error().message, Catch::Contains("unknown order 3"));
  const auto fill = fold.apply("fill", "s", {{"order_id", 1}, {"symbol", "ZZZ"}, {"side", "buy"}, {"qty", 1}, {"price", 1.0},
                                             {"commission_micros", 0}, {"ts", 1}});
  REQUIRE_FALSE(fill);
  CHECK(fold.records() == 1);
}

}  // namespace aiots
