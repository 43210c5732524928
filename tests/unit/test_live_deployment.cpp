// Deployments: the figures compare and canaries judge by, the conditions they are held to, and
// the journal fold that history, show and restart recovery read.
#include <catch2/catch.hpp>

#include "engine/metrics/condition.hpp"
#include "live/deployment.hpp"
#include "live/journal_fold.hpp"

namespace aiots {
namespace {

using json = nlohmann::json;

TEST_CASE("decision agreement counts what both decided among what either decided", "[deploy]") {
  CHECK(decision_agreement({}, {}) == 1.0);
  CHECK(decision_agreement({"t1 MSFT buy order"}, {}) == 0.0);
  CHECK(decision_agreement({"t1 MSFT buy order", "t2 MSFT sell order"}, {"t2 MSFT sell order", "t1 MSFT buy order"}) == 1.0);
  // One shared of three distinct: 1/3.
  CHECK(decision_agreement({"t1 MSFT buy order", "t2 MSFT sell order"}, {"t1 MSFT buy order", "t3 MSFT sell order"}) ==
        Approx(1.0 / 3.0));
  // Same time and symbol, other side: no agreement.
  CHECK(decision_agreement({"t1 MSFT buy order"}, {"t1 MSFT sell order"}) == 0.0);
}

TEST_CASE("a canary's drawdown is from its peak and never shrinks", "[deploy]") {
  CanaryWatch w{1000, 1000, 1000, 0, 0, 0};
  w.add(1100);
  w.add(990);  // 10% below the 1100 peak
  w.add(1200);
  CHECK(w.max_drawdown == Approx(0.1));
  CHECK(w.bars == 3);
  CHECK(w.last - w.start == Approx(200));
}

TEST_CASE("conditions parse and judge as playbooks write them", "[deploy]") {
  const auto le = parse_condition("<=0.15");
  REQUIRE(le);
  CHECK(le->holds(0.15));
  CHECK_FALSE(le->holds(0.150001));
  CHECK(parse_condition(">= 1")->holds(1.0));
  CHECK(parse_condition("==2")->op == "=");
  CHECK(parse_condition("!=0")->holds(-1));
  CHECK_FALSE(parse_condition(">0")->holds(std::nan("")));  // unmeasured never passes
  CHECK_FALSE(parse_condition("=>1"));
  CHECK_FALSE(parse_condition("<"));
  CHECK_FALSE(parse_condition("<=abc"));
  CHECK_FALSE(parse_condition("<=1e999"));
  CHECK_FALSE(parse_condition("0.5"));
}

json loaded(const std::string& file, std::int64_t deployment = 0) {
  json l = {{"file", file}, {"sha256", "h-" + file}, {"account", "paper"}, {"symbols", {"MSFT"}},
            {"params", {{"fast", "5"}}}, {"cash", 100000.0}};
  if (deployment != 0) l["deployment"] = deployment;
  return l;
}

TEST_CASE("the fold keeps each deployment's steps, strategies and promotions", "[deploy]") {
  JournalFold f;
  REQUIRE(f.apply("strategy.loaded", "live", loaded("/v1.lua")));
  REQUIRE(f.apply("deploy.started", "", {{"deployment", 1}, {"playbook", "canary_promote"}, {"file", "/pb.lua"},
                                         {"sha256", "x"}, {"params", json::object()}, {"user", "ops"}, {"started", "t0"}}));
  REQUIRE(f.apply("deploy.step", "", {{"deployment", 1}, {"step", 1}, {"step_kind", "shadow"}, {"where", "pb.lua:9"},
                                      {"args", {{"bars", 20}}}, {"started", "t1"}}));
  REQUIRE(f.apply("strategy.loaded", "live.shadow-1", loaded("/v2.lua", 1)));
  REQUIRE(f.apply("deploy.step_done", "", {{"deployment", 1}, {"step", 1}, {"step_kind", "shadow"}, {"outcome", "done"},
                                           {"detail", "20 bars"}, {"result", {{"passed", true}}}, {"finished", "t2"}}));
  json promoted = {{"name", "live"}, {"file", "/v2.lua"}, {"sha256", "h2"}, {"params", {{"fast", "6"}}}, {"deployment", 1},
                   {"previous", {{"file", "/v1.lua"}, {"sha256", "h-/v1.lua"}, {"params", {{"fast", "5"}}}}}};
  REQUIRE(f.apply("strategy.promoted", "live", promoted));
  // A restart rebuilds the promoted strategy from the new file and params.
  CHECK(f.strategies().at("live").loaded["file"] == "/v2.lua");
  CHECK(f.strategies().at("live").loaded["params"]["fast"] == "6");

  const json& d = f.deployments().at(1);
  CHECK(d["status"] == "running");
  CHECK(d["user"] == "ops");
  REQUIRE(d["steps"].size() == 1);
  CHECK(d["steps"][0]["kind"] == "shadow");
  CHECK(d["steps"][0]["outcome"] == "done");
  CHECK(d["steps"][0]["finished"] == "t2");
  CHECK(d["strategies"] == json::array({"live.shadow-1"}));
  REQUIRE(d["promotions"].size() == 1);
  CHECK(d["promotions"][0]["undone"] == false);

  json undo = promoted;
  undo["undo"] = true;
  undo["file"] = "/v1.lua";
  REQUIRE(f.apply("strategy.promoted", "live", undo));
  CHECK(f.deployments().at(1)["promotions"][0]["undone"] == true);
  CHECK(f.strategies().at("live").loaded["file"] == "/v1.lua");
  REQUIRE(f.apply("deploy.finished", "", {{"deployment", 1}, {"status", "failed"}, {"error", "pb.lua:12: canary"}, {"finished", "t3"}}));
  CHECK(f.deployments().at(1)["status"] == "failed");

  // A checkpoint holds deployments exactly.
  const auto back = JournalFold::from_json(f.to_json());
  REQUIRE(back);
  CHECK(back->to_json() == f.to_json());

  // A promotion of a strategy that is not loaded is a malformed journal, not a crash.
  CHECK_FALSE(f.apply("strategy.promoted", "ghost", promoted));
}

TEST_CASE("the fold keeps the newest deployments only", "[deploy]") {
  JournalFold f;
  const auto n = static_cast<std::int64_t>(JournalFold::k_max_deployments) + 5;
  for (std::int64_t id = 1; id <= n; ++id) {
    REQUIRE(f.apply("deploy.started", "", {{"deployment", id}, {"playbook", "p"}, {"user", "u"}, {"started", "t"}}));
  }
  CHECK(f.deployments().size() == JournalFold::k_max_deployments);
  CHECK(f.deployments().begin()->first == 6);
  // Records of a deployment no longer kept change nothing.
  CHECK(f.apply("deploy.finished", "", {{"deployment", 1}, {"status", "succeeded"}}));
}

}  // namespace
}  // namespace aiots
