// Deployment playbooks (lua/lua_playbook): run(p) yields one checked step at a time to its
// executor and takes each result back; bad arguments fail at the playbook's line; a failed gate
// fails at its line and pcall can catch it; the sandbox's limits hold between steps.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "lua/lua_playbook.hpp"

using namespace aiots;

namespace {

struct PlaybookFile {
  std::string path;
  explicit PlaybookFile(const std::string& code) {
    path = std::filesystem::temp_directory_path() / ("aiots-playbook-" + std::to_string(getpid()) + ".lua");
    std::ofstream(path) << code;
  }
  ~PlaybookFile() { std::filesystem::remove(path); }
};

std::unique_ptr<lua::LuaPlaybook> load(const PlaybookFile& f, std::map<std::string, std::string> params = {}) {
  auto p = lua::LuaPlaybook::load(f.path, params, lua::Limits{1'000'000, 16u << 20});
  INFO((p ? std::string() : p.error().message));
  REQUIRE(p);
  return std::move(*p);
}

// Runs to the end, answering every step with `answer(step)`; the kinds seen, or the error.
std::string run_all(lua::LuaPlaybook& p, const std::function<nlohmann::json(const lua::PlaybookStep&)>& answer) {
  std::string kinds;
  nlohmann::json result = nullptr;
  while (true) {
    auto step = p.next(result);
    if (!step) return kinds + "error: " + step.error().message;
    if (!*step) return kinds;
    kinds += (*step)->kind + " ";
    result = answer(**step);
  }
}

nlohmann::json ok(const lua::PlaybookStep&) { return {{"passed", true}}; }

}  // namespace

TEST_CASE("A playbook yields its steps in order, with their arguments and lines", "[playbook]") {
  PlaybookFile f(R"(return {
  name = "t", params = { old = { default = "a" }, bars = { default = 5 } },
  run = function(p)
    gate.backtest{ strategy = "new.lua", data = { "MSFT", "IBM" }, require = { sharpe = ">=1" } }
    shadow{ strategy = "new.lua", alongside = p.old, bars = p.bars }
    promote{ from = p.old, to = "new.lua", positions = "flatten" }
  end })");
  auto p = load(f, {{"bars", "7"}});
  CHECK(p->name() == "t");
  auto first = p->next(nullptr);
  REQUIRE(first);
  REQUIRE(*first);
  CHECK((*first)->kind == "gate.backtest");
  CHECK((*first)->args["data"] == nlohmann::json::array({"MSFT", "IBM"}));
  CHECK((*first)->where == f.path + ":4: ");
  auto second = p->next({{"passed", true}});
  REQUIRE(second);
  REQUIRE(*second);
  CHECK((*second)->kind == "shadow");
  CHECK((*second)->args["bars"] == 7);
  CHECK((*second)->args["alongside"] == "a");
  auto third = p->next({{"passed", true}});
  REQUIRE(third);
  CHECK((*third)->args["positions"] == "flatten");
  auto end = p->next({{"passed", true}});
  REQUIRE(end);
  CHECK_FALSE(*end);
  CHECK(p->finished());
}

TEST_CASE("Results come back to the playbook as tables", "[playbook]") {
  PlaybookFile f(R"(return { name = "t", run = function(p)
    local c = compare{ a = "x", b = "y" }
    if c.signal_agreement < 0.5 then rollback{ to = "x" } else notify{ text = "agree " .. c.signal_agreement } end
  end })");
  auto p = load(f);
  const std::string kinds = run_all(*p, [](const lua::PlaybookStep& s) -> nlohmann::json {
    if (s.kind == "compare") return {{"signal_agreement", 0.25}};
    return {{"passed", true}};
  });
  CHECK(kinds == "compare rollback ");
}

TEST_CASE("Bad step arguments fail at the playbook's line", "[playbook]") {
  const auto error_of = [](const std::string& body) {
    PlaybookFile f("return { name = 't', run = function(p)\n" + body + "\nend }");
    auto p = load(f);
    return run_all(*p, ok);
  };
  CHECK_THAT(error_of("shadow{ strategy = 'n', alongside = 'o', bar = 5 }"),
             Catch::Contains(":2: shadow: unknown field 'bar'") && Catch::Contains("bars"));
  CHECK_THAT(error_of("shadow{ strategy = 'n', alongside = 'o' }"), Catch::Contains(":2: shadow: needs 'bars'"));
  CHECK_THAT(error_of("canary{ strategy = 'n', capital = 2, bars = 5 }"), Catch::Contains(":2: canary: 'capital'"));
  CHECK_THAT(error_of("wait{ bars = 5, seconds = 1 }"), Catch::Contains(":2: wait: takes bars=N or seconds=S"));
  CHECK_THAT(error_of("wait{ bars = -1 }"), Catch::Contains("'bars' must be positive"));
  CHECK_THAT(error_of("promote{ from = 'a', to = 'b', positions = 'keep' }"), Catch::Contains("'hand-over' or 'flatten'"));
  CHECK_THAT(error_of("gate.backtest{ strategy = 's.lua', data = 'M', require = { sharpe = 'big' } }"),
             Catch::Contains("require.sharpe must be a condition"));
  CHECK_THAT(error_of("notify('hi')"), Catch::Contains(":2: notify: takes one table"));
  CHECK_THAT(error_of("notify{ text = 5 }"), Catch::Contains("'text' must be a string (got number)"));
}

TEST_CASE("A failed gate fails at its line, and pcall can catch it", "[playbook]") {
  PlaybookFile caught(R"(return { name = "t", run = function(p)
    local ok, err = pcall(gate.backtest, { strategy = "s.lua", data = "M" })
    if not ok then notify{ text = err } end
  end })");
  auto p = load(caught);
  std::string text;
  const std::string kinds = run_all(*p, [&](const lua::PlaybookStep& s) -> nlohmann::json {
    if (s.kind == "notify") text = s.args["text"];
    if (s.kind == "gate.backtest") return {{"passed", false}, {"reason", "sharpe 0.2 is not >= 1"}};
    return {{"passed", true}};
  });
  CHECK(kinds == "gate.backtest notify ");
  CHECK_THAT(text, Catch::Contains(":2: gate.backtest: failed: sharpe 0.2 is not >= 1"));

  PlaybookFile uncaught(R"(return { name = "t", run = function(p)
    canary{ strategy = "s.lua", capital = 0.1, bars = 5 }
    promote{ from = "a", to = "s.lua" }
  end })");
  auto q = load(uncaught);
  CHECK_THAT(run_all(*q, [](const lua::PlaybookStep&) -> nlohmann::json { return {{"passed", false}}; }),
             Catch::Contains("canary error: ") && Catch::Contains(":2: canary: failed: its requirements were not met"));
}

TEST_CASE("Playbooks are sandboxed and metered like every plugin", "[playbook]") {
  PlaybookFile spin("return { name = 't', run = function(p)\n  while true do end\nend }");
  auto p = load(spin);
  CHECK_THAT(run_all(*p, ok), Catch::Contains(":2: instruction budget of 1000000 exceeded"));
  PlaybookFile io("return { name = 't', run = function(p)\n  io.open('/etc/passwd')\nend }");
  auto q = load(io);
  CHECK_THAT(run_all(*q, ok), Catch::Contains(":2: attempt to index a nil value (global 'io')"));
  // Steps while the file loads are refused: they belong in run(p).
  PlaybookFile early("notify{ text = 'x' }\nreturn { name = 't', run = function(p) end }");
  auto r = lua::LuaPlaybook::load(early.path, {}, {});
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("steps run inside run(p)"));
  PlaybookFile no_run("return { name = 't' }");
  auto s = lua::LuaPlaybook::load(no_run.path, {}, {});
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("needs a function 'run'"));
  PlaybookFile typed("return { name = 't', params = { n = { default = 1 } }, run = function(p) end }");
  auto t = lua::LuaPlaybook::load(typed.path, {{"n", "x"}}, {});
  REQUIRE_FALSE(t);
  CHECK(t.error().kind == ErrorKind::Usage);
}

TEST_CASE("The bundled playbooks load and yield their steps", "[playbook]") {
  for (const char* name : {"canary_promote", "blue_green", "rollback_on_drawdown"}) {
    auto p = lua::LuaPlaybook::load(std::string(AIOTS_SOURCE_DIR) + "/plugins/playbooks/" + name + ".lua", {}, {});
    INFO(name);
    REQUIRE(p);
    const std::string kinds = run_all(**p, [](const lua::PlaybookStep& s) -> nlohmann::json {
      if (s.kind == "gate.backtest") return {{"passed", true}, {"metrics", {{"sharpe", 1.0}}}};
      return {{"passed", true}};
    });
    CHECK(kinds.find("error") == std::string::npos);
    CHECK(kinds.starts_with("gate.backtest "));
    CHECK(kinds.find("promote") != std::string::npos);
  }
  // rollback_on_drawdown rolls back when its canary fails.
  auto p = lua::LuaPlaybook::load(std::string(AIOTS_SOURCE_DIR) + "/plugins/playbooks/rollback_on_drawdown.lua", {}, {});
  REQUIRE(p);
  const std::string kinds = run_all(**p, [](const lua::PlaybookStep& s) -> nlohmann::json {
    if (s.kind == "canary") return {{"passed", false}, {"reason", "max_drawdown 0.08 is not <= 0.05"}};
    return {{"passed", true}};
  });
  CHECK(kinds == "gate.backtest canary rollback notify ");
}
