// Lua risk rules through a real engine: the four bundled rules deny what they must and pass
// what they must; actions (halt, reduce, pause); a rule that fails halts the account with its
// file:line and is asked no more; bad rule files are refused at load.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "lua/lua_risk_rule.hpp"
#include "engine/risk/risk_codes.hpp"
#include "risk_market.hpp"

using namespace aiots;
using namespace aiots::test;
using risk::AccountState;

namespace {

std::string rule_file(const std::string& name, const std::string& code) {
  const std::string path = std::filesystem::temp_directory_path() / ("aiots-rule-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(path) << code;
  return path;
}

std::unique_ptr<lua::LuaRiskRule> bundled(const std::string& name, std::map<std::string, std::string> params = {}) {
  auto r = lua::LuaRiskRule::load(std::string(AIOTS_SOURCE_DIR) + "/plugins/risk/" + name + ".lua", params, {});
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  return std::move(*r);
}

std::unique_ptr<lua::LuaRiskRule> inline_rule(const std::string& code) {
  const auto path = rule_file("inline.lua", code);
  auto r = lua::LuaRiskRule::load(path, {}, lua::Limits{100'000, 8u << 20});
  std::filesystem::remove(path);
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  return std::move(*r);
}

}  // namespace

TEST_CASE("max_position.lua refuses a position beyond max_qty and lets it shrink", "[risk][lua]") {
  auto rule = bundled("max_position", {{"max_qty", "100"}});
  Market m({"X"}, no_limits(), 100'000, {rule.get()});
  m.step({50});
  const Order over = submit_at(m, buy(101));
  CHECK(over.reason == "RULE_MAX_POSITION: rule=max_position symbol=X limit=100 would_be=101");
  CHECK(accepted(submit_at(m, buy(100))));
  m.step({50});
  CHECK_FALSE(accepted(submit_at(m, buy(1))));
  CHECK(accepted(submit_at(m, sell(150))));  // from +100 to -50
  CHECK(m.engine->risk().denials().at("RULE_MAX_POSITION") == 2);
}

TEST_CASE("greeks_limits.lua caps the account's net delta from the engine's Greeks, and reduces at twice the cap",
          "[risk][lua]") {
  auto rule = bundled("greeks_limits", {{"max_delta", "100"}});
  Market m({"X"}, no_limits(), 100'000, {rule.get()});
  m.step({50});
  CHECK(accepted(submit_at(m, buy(150))));  // delta 0 before: within the cap
  m.step({50});
  const Order over = submit_at(m, buy(10));
  CHECK(over.reason == "RULE_GREEKS_LIMIT: rule=greeks_limits delta=150.00 limit=100");
  CHECK(accepted(submit_at(m, sell(60))));  // shrinking passes
  m.step({50});
  CHECK(accepted(submit_at(m, buy(10))));   // delta 90: within again
  // Short beyond twice the cap: the account goes REDUCING at the bar close.
  CHECK(accepted(submit_at(m, sell(400))));
  m.step({50});
  m.step({50});
  CHECK(m.engine->risk().state() == risk::AccountState::Reducing);
  CHECK(m.engine->risk().state_reason() == risk::k_rule_reduce);
}

TEST_CASE("daily_loss.lua halts and flattens beyond its loss, and refuses new positions while losing", "[risk][lua]") {
  auto rule = bundled("daily_loss", {{"max_loss_pct", "4"}, {"warn_pct", "1"}});
  risk::RiskLimits l = no_limits();
  l.max_position_pct = 100;
  Market m({"X", "Y"}, l, 100'000, {rule.get()});
  m.step({100, 10});
  CHECK(accepted(submit_at(m, buy(500, 0), 100)));
  m.step({100, 10});
  m.step({97, 10});  // -1.5%: above warn, below max
  CHECK(submit_at(m, buy(10, 1), 97).reason.starts_with("RULE_DAILY_LOSS: rule=daily_loss day_loss_pct=1.50 warn_pct=1.00"));
  CHECK(accepted(submit_at(m, sell(100, 0), 97)));  // shrinking passes
  m.step({88, 10});   // 400 x -12 = -4,800 more: -6.3%
  REQUIRE(m.engine->risk().state() == AccountState::Halted);
  CHECK(m.engine->risk_events().back().code == "RULE_HALT");
  CHECK(m.engine->risk_events().back().detail.starts_with("rule=daily_loss reason=daily loss 6."));
  m.step({88, 10});
  CHECK(m.position(0) == 0);
  m.next_day();
  m.step({88, 10});
  CHECK(m.engine->risk().state() == AccountState::Halted);  // a rule's halt waits for resume
}

TEST_CASE("no_trading_near_close.lua refuses new positions in the last minutes before 16:00 New York", "[risk][lua]") {
  auto rule = bundled("no_trading_near_close", {{"minutes", "15"}});
  Market m({"X"}, no_limits(), 100'000, {rule.get()});
  // 2024-07-01: New York is UTC-4, so 15:44 there is 19:44 UTC.
  m.t = 19'905 * k_ns_per_day + (19 * 60 + 43) * 60 * k_ns_per_second;
  m.step({50});
  CHECK(accepted(submit_at(m, buy(10))));  // placed at 15:44
  const Order late = submit_at(m, buy(10));  // 15:45
  CHECK(late.reason == "RULE_NEAR_CLOSE: rule=no_trading_near_close symbol=X minutes_to_close=15 window=15");
  CHECK(accepted(submit_at(m, sell(10))));  // closing passes
  m.t = 19'905 * k_ns_per_day + (20 * 60) * 60 * k_ns_per_second;  // 16:00: closed window over
  CHECK(accepted(submit_at(m, buy(10))));
}

TEST_CASE("max_correlated_exposure.lua counts symbols that move together as one bet", "[risk][lua]") {
  auto rule = bundled("max_correlated_exposure", {{"lookback", "10"}, {"max_pct", "25"}});
  Market m({"A", "B", "C"}, no_limits(), 100'000, {rule.get()});
  // A and B move together, C against them.
  double a = 100, b = 50, c = 80;
  for (int i = 0; i < 12; ++i) {
    const double move = (i % 3 == 0 ? 0.02 : i % 3 == 1 ? -0.015 : 0.01);
    a *= 1 + move;
    b *= 1 + move;
    c *= 1 - move * 1.3;
    m.step({a, b, c});
  }
  CHECK(accepted(submit_at(m, buy(200, 0), {a, b, c})));  // A ~21%
  m.step({a, b, c});
  const Order with_b = submit_at(m, buy(200, 1), {a, b, c});  // B ~11% more in the same bet
  INFO(with_b.reason);
  CHECK(with_b.reason.starts_with("RULE_CORRELATED_EXPOSURE: rule=max_correlated_exposure group=B,A limit_pct=25"));
  const Order with_c = submit_at(m, buy(200, 2), {a, b, c});  // C is another bet
  INFO(with_c.reason);
  CHECK(accepted(with_c));
}

TEST_CASE("Rules act: halt, reduce and pause", "[risk][lua]") {
  auto rule = inline_rule(R"(
    local n = 0
    return { name = "actor", on_bar = function(bar, account)
      n = n + 1
      if n == 2 then reduce("second bar") end
      if n == 3 then pause("script", "third bar") end
      if n == 6 then halt("sixth bar") end
    end })");
  Market m({"X"}, no_limits(), 100'000, {rule.get()});
  m.step({50});
  m.step({50});
  CHECK(m.engine->risk().state() == AccountState::Reducing);
  CHECK(m.engine->risk_events().back().detail == "rule=actor reason=second bar");
  m.step({50});
  CHECK(m.engine->risk().strategy_paused());
  CHECK(m.engine->risk_events().back().code == "RULE_PAUSE");
  m.step({50});
  m.step({50});
  m.step({50});
  CHECK(m.engine->risk().state() == AccountState::Halted);
  CHECK(m.engine->risk_events().back().code == "RULE_HALT");
}

TEST_CASE("A rule that fails halts the account with its file:line and is asked no more", "[risk][lua]") {
  SECTION("a runtime error") {
    auto rule = inline_rule(R"(return { name = "broken", check_order = function(order, account)
      return order.nothing.here
    end })");
    Market m({"X"}, no_limits(), 100'000, {rule.get()});
    m.step({50});
    const Order o = submit_at(m, buy(1));
    CHECK(o.reason.starts_with("RISK_RULE_FAILED: rule=broken "));
    CHECK(o.reason.find("inline.lua:2:") != std::string::npos);
    CHECK(m.engine->risk().state() == AccountState::Halted);
    CHECK(m.engine->failed_rules().size() == 1);
    CHECK(submit_at(m, buy(1)).reason.starts_with("ACCOUNT_HALTED"));
  }
  SECTION("an endless loop stops at the instruction budget") {
    auto rule = inline_rule(R"(return { name = "spin", on_bar = function() while true do end end })");
    Market m({"X"}, no_limits(), 100'000, {rule.get()});
    m.step({50});
    REQUIRE(m.engine->failed_rules().size() == 1);
    CHECK(m.engine->failed_rules()[0].second.find("instruction budget") != std::string::npos);
    CHECK(m.engine->risk_events().back().code == "RISK_RULE_FAILED");
  }
  SECTION("a rule looping on halt() is stopped, not grown without end") {
    auto rule = inline_rule(R"(return { name = "loud", on_bar = function() for i = 1, 1e9 do halt("x") end end })");
    Market m({"X"}, no_limits(), 100'000, {rule.get()});
    m.step({50});
    REQUIRE(m.engine->failed_rules().size() == 1);
    CHECK(m.engine->failed_rules()[0].second.find("more than 16 actions in one call") != std::string::npos);
  }
  SECTION("a wrong answer") {
    auto rule = inline_rule(R"(return { name = "chatty", check_order = function() return "yes" end })");
    Market m({"X"}, no_limits(), 100'000, {rule.get()});
    m.step({50});
    CHECK(submit_at(m, buy(1)).reason.find("check_order must return true, or false, CODE, message (got string)") !=
          std::string::npos);
  }
  SECTION("a denial without a proper code") {
    auto rule = inline_rule(R"(return { name = "vague", check_order = function() return false, "not a code", "no" end })");
    Market m({"X"}, no_limits(), 100'000, {rule.get()});
    m.step({50});
    CHECK(submit_at(m, buy(1)).reason == "RISK_RULE_DENIED: rule=vague no");
    CHECK(m.engine->risk().state() == AccountState::Active);
  }
}

TEST_CASE("Bad rule files are refused at load with file and reason", "[risk][lua]") {
  const auto check = [](const std::string& code, const std::string& wanted) {
    const auto path = rule_file("bad.lua", code);
    auto r = lua::LuaRiskRule::load(path, {}, {});
    std::filesystem::remove(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find(wanted) != std::string::npos);
  };
  check("return 1", "a risk rule file must return a table (got number)");
  check("return { check_order = function() end }", "needs a string 'name'");
  check("return { name = 'x' }", "needs at least one of check_order, on_fill, on_bar");
  check("return { name = 'x', on_bar = 5 }", "'on_bar' must be a function");
  check("return { name = 'x', on_bar = function() end, params = { n = {} } }", "parameter 'n' needs a default");
  check("return {", "bad.lua:1:");
  auto missing = lua::LuaRiskRule::load("/nonexistent/rule.lua", {}, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "/nonexistent/rule.lua: cannot read the risk rule file (does it exist?)");
  auto bad_param = lua::LuaRiskRule::load(std::string(AIOTS_SOURCE_DIR) + "/plugins/risk/max_position.lua", {{"max_qty", "lots"}}, {});
  REQUIRE_FALSE(bad_param);
  CHECK(bad_param.error().message.find("parameter 'max_qty' must be an int") != std::string::npos);
}
