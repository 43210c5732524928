// The daemon's building blocks: configuration, journal records that rebuild orders, ctx.state
// as JSON, and the journal itself.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <lua.hpp>
#include <unistd.h>

#include "config/config.hpp"
#include "journal/journal.hpp"
#include "live/journal_codec.hpp"
#include "live/journal_fold.hpp"
#include "lua/lua_json.hpp"
#include "lua/sandbox.hpp"

using namespace aiots;

namespace {
std::string temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("aiots-unit-" + std::to_string(getpid()) + "-" + name);
}
}  // namespace

TEST_CASE("Config reads typed keys and names the line of a bad one", "[daemon][config]") {
  const auto path = temp_path("a.toml");
  std::ofstream(path) << "log_level = \"warn\"\nplugin_dirs = [\"/a\", \"/b\"]\n[lua]\nmemory_mb = 32\n[broker]\ncash = 5000\n";
  auto c = Config::load(path);
  REQUIRE(c);
  CHECK(c->string("log_level") == "warn");
  CHECK(c->integer("lua.memory_mb") == 32);
  CHECK(c->number("broker.cash") == 5000.0);  // an integer literal is fine for a number key
  CHECK(c->list("plugin_dirs") == std::vector<std::string>{"/a", "/b"});
  CHECK(c->origins().at("lua.memory_mb") == path);
  CHECK(c->origins().at("lua.instructions") == "default");
  std::ofstream(path) << "[lua]\ninstructions = 1.5\n";
  CHECK(Config::load(path).error().message == path + ":2: key 'lua.instructions' must be an integer");
  std::ofstream(path) << "\n\nnope = 1\n";
  CHECK(Config::load(path).error().message.starts_with(path + ":3: unknown key 'nope'"));
  std::filesystem::remove(path);
  CHECK(Config::load(path).error().kind == ErrorKind::Usage);
}

TEST_CASE("Journal records rebuild orders and fills exactly", "[daemon][journal]") {
  const std::vector<std::string> symbols = {"AAA", "BBB"};
  Order o;
  o.id = 1;
  o.request.symbol = 1;
  o.request.side = Side::Sell;
  o.request.quantity = 10;
  o.request.type = OrderType::Limit;
  o.request.limit = 12.5;
  o.request.tif = TimeInForce::Day;
  o.request.tag = "t";
  o.quantity = 10;
  o.created = 42;
  JournalFold fold;
  REQUIRE(fold.apply("strategy.loaded", "s", {{"file", "s.lua"}, {"symbols", symbols}, {"params", nlohmann::json::object()}, {"cash", 1e5}}));
  const auto order = [&](OrderEventKind kind, std::int64_t qty, double price) {
    return fold.apply("order", "s", encode_order_event(OrderEvent{42, 1, kind, "", qty, price}, o, symbols));
  };
  REQUIRE(order(OrderEventKind::Submitted, 0, 0));
  REQUIRE(order(OrderEventKind::Accepted, 0, 0));
  REQUIRE(order(OrderEventKind::PartiallyFilled, 4, 12.5));
  const auto& open = fold.strategies().at("s").open;
  REQUIRE(open.size() == 1);
  const Order& rebuilt = open.at(1);
  CHECK(rebuilt.status == OrderStatus::PartiallyFilled);
  CHECK(rebuilt.filled == 4);
  CHECK(rebuilt.request.symbol == 1);
  CHECK(rebuilt.request.limit == 12.5);
  CHECK(rebuilt.request.tif == TimeInForce::Day);
  CHECK(std::isnan(rebuilt.request.stop));
  // Out of order or illegal records are refused, not guessed at.
  CHECK_FALSE(order(OrderEventKind::Accepted, 0, 0));
  CHECK_FALSE(fold.apply("order", "s", nlohmann::json{{"id", 9}, {"event", "filled"}}));
  const Fill f{43, 1, 1, Side::Sell, 4, 12.5, Money{1'230'000}};
  auto back = decode_fill(encode_fill(f, symbols), symbols);
  REQUIRE(back);
  CHECK(back->commission == f.commission);
  CHECK(back->symbol == 1);
  CHECK_FALSE(decode_fill(encode_fill(f, symbols), {"AAA"}));
}

TEST_CASE("ctx.state round-trips through JSON and functions are refused with a path", "[daemon][lua]") {
  lua::Sandbox box({}, 0);
  lua_State* L = box.state();
  const nlohmann::json state = {{"count", 3}, {"ratio", 0.5}, {"name", "x"}, {"on", true},
                                {"list", {1, 2, 3}}, {"nested", {{"a", {{"b", "c"}}}}}};
  lua::push_json(L, state);
  auto back = lua::to_json(L, -1);
  lua_pop(L, 1);
  REQUIRE(back);
  CHECK(*back == state);
  REQUIRE(box.load("return { handles = { fast = function() end } }", "s"));
  REQUIRE(box.call(0, 1));
  auto bad = lua::to_json(L, -1);
  lua_pop(L, 1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.starts_with("state.handles.fast: a function cannot be saved"));
}

TEST_CASE("The journal keeps only committed records", "[daemon][journal]") {
  const auto path = temp_path("j.db");
  {
    auto j = Journal::open(path);
    REQUIRE(j);
    REQUIRE(j->append(1, "fill", "s", {{"x", 1}}));
    REQUIRE(j->commit());
    REQUIRE(j->append(2, "fill", "s", {{"x", 2}}));
    // no commit: as when the process dies mid-batch
  }
  auto j = Journal::open(path);
  REQUIRE(j);
  std::vector<JournalRecord> records;
  REQUIRE(j->each(0, [&](const JournalRecord& r) -> Expected<void> {
    records.push_back(r);
    return {};
  }));
  REQUIRE(records.size() == 1);
  CHECK(records[0].data["x"] == 1);
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}
