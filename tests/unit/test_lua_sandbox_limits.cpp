// The sandbox's limits: bounded pattern functions that agree with Lua's own, charged C library
// functions, the wall-clock deadline, whole chunk names, and depth limits across the boundary.
#include <catch2/catch.hpp>
#include <chrono>
#include <lua.hpp>
#include <random>
#include <thread>

#include "lua/lua_json.hpp"
#include "lua/sandbox.hpp"
#include "util/json_depth.hpp"

using namespace aiots;

namespace {

// Runs `code` (a chunk returning one string) in `L` through pcall; returns the string, or
// "error: message" with the location prefix cut (the two states name chunks alike).
std::string run_in(lua_State* L, const std::string& code) {
  if (luaL_loadbufferx(L, code.data(), code.size(), "=probe", "t") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    std::string message = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?";
    lua_pop(L, 1);
    const auto colon = message.find(": ");
    return "error: " + (message.rfind("probe:", 0) == 0 && colon != std::string::npos ? message.substr(colon + 2) : message);
  }
  std::string out = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "(not a string)";
  lua_pop(L, 1);
  return out;
}

// A snippet that applies every pattern function to (s, p) and serialises all results.
std::string probe_code(const std::string& s, const std::string& p) {
  return R"(
    local s, p = )" + std::string("[==[") + s + "]==], [==[" + p + R"(]==]
    local out = {}
    local function add(...) local t = table.pack(...) for i = 1, t.n do out[#out + 1] = tostring(t[i]) end out[#out + 1] = "|" end
    local function try(f, ...) local r = table.pack(pcall(f, ...)) if r[1] then add(table.unpack(r, 2, r.n)) else add("E", (tostring(r[2]):gsub("^[^:]*:%d+: ", ""))) end end
    try(string.find, s, p) try(string.find, s, p, 3) try(string.find, s, p, -4) try(string.find, s, p, 1, true)
    try(string.match, s, p) try(string.match, s, p, 2)
    try(function() local r = {} for a, b in string.gmatch(s, p) do r[#r + 1] = tostring(a) .. "/" .. tostring(b) if #r > 50 then break end end return table.concat(r, ",") end)
    try(string.gsub, s, p, "<%0>") try(string.gsub, s, p, "%1") try(string.gsub, s, p, "x", 2)
    try(string.gsub, s, p, function(a) return a and a:upper() end)
    try(string.gsub, s, p, { a = "A", ab = false })
    return table.concat(out, " ")
  )";
}

struct States {
  lua_State* reference = luaL_newstate();
  lua::Sandbox sandbox{lua::Limits{}, 1};
  States() { luaL_openlibs(reference); }
  ~States() { lua_close(reference); }
  // Runs through Sandbox::call (the budget is live) and compares with Lua's own library.
  std::pair<std::string, std::string> both(const std::string& code) {
    const std::string expected = run_in(reference, code);
    lua_State* L = sandbox.state();
    std::string got;
    if (luaL_loadbufferx(L, code.data(), code.size(), "=probe", "t") != LUA_OK) {
      got = "load error";
    } else if (auto r = sandbox.call(0, 1); !r) {
      got = "error: " + r.error().message;
    } else {
      got = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "(not a string)";
      lua_pop(L, 1);
    }
    return {expected, got};
  }
};

}  // namespace

TEST_CASE("Bounded pattern functions agree with Lua's on a hand-picked corpus", "[lua][sandbox]") {
  States st;
  const std::vector<std::pair<std::string, std::string>> corpus = {
      {"hello world from Lua", "o"},          {"hello world", "(o)(r)"},       {"hello world", "^hello"},
      {"hello world", "world$"},              {"key = value", "(%w+)%s*=%s*(%w+)"},
      {"THE (quick) fox", "%((%a+)%)"},       {"f(a(b)c)d", "%b()"},           {"THE (quick) fox", "%f[%a]%a+"},
      {"aaa", "a-"},                          {"aaa", "a-b"},                  {"aaab", "a*b"},
      {"aaab", "a+?"},                        {"abc", "()b()"},                {"abcabc", "(abc)%1"},
      {"x = 10, y = 20", "(%a)%s*=%s*(%d+)"}, {"[test]", "[%[%]]"},            {"a.b.c", "%."},
      {"abc123def", "[^%d]+"},                {"abc123def", "[a-c1-2]+"},      {"  trim  ", "^%s*(.-)%s*$"},
      {"", ""},                               {"abc", ""},                     {"abc", ".-"},
      {"one two  three", "%S+"},              {"CamelCaseWord", "%u%l*"},      {"\tx\n", "%c"},
      {"a,b,,c", "([^,]*)"},                  {"100%", "%%"},                  {"abc", "[a-"},
      {"abc", "%"},                           {"abc", "(()"},                  {"abc", "%1"},
      {"abc", "%bx"},                         {"abc", "%f"},                   {"2026-11-29", "(%d+)-(%d+)-(%d+)"},
      {"a$b", "a$b"},                         {"^^", "^^"},                    {"x^y", "x^y"},
      {"hello", "l+"},                        {"hello", "[]l]"},               {"he]llo", "[]l]+"},
      {"h-e-l", "[%-]"},                      {"aXbXc", "%u"},                 {"0x1F", "%x+"},
      {"punct!?", "%p+"},                     {"a\0b", "%z"},                  {"tabs\tand spaces", "[%s]+"},
  };
  for (const auto& [s, p] : corpus) {
    const auto [expected, got] = st.both(probe_code(s, p));
    INFO("subject '" << s << "' pattern '" << p << "'");
    CHECK(got == expected);
  }
}

TEST_CASE("Bounded pattern functions agree with Lua's on random patterns", "[lua][sandbox]") {
  States st;
  std::mt19937 rng(7);
  const std::vector<std::string> atoms = {"a", "b", ".", "%a", "%d", "%s", "[ab]", "[^a]", "[a-c]", "%w", "(", ")", "()",
                                          "%b()", "%f[%w]", "%1", "^", "$", "%%", "x"};
  const std::vector<std::string> quantifiers = {"", "", "*", "+", "-", "?"};
  const std::string alphabet = "aabbc x1()";
  for (int i = 0; i < 400; ++i) {
    std::string pattern;
    for (int k = 0, n = 1 + static_cast<int>(rng() % 5); k < n; ++k) {
      pattern += atoms[rng() % atoms.size()] + quantifiers[rng() % quantifiers.size()];
    }
    std::string subject;
    for (int k = 0, n = static_cast<int>(rng() % 16); k < n; ++k) {
      subject += alphabet[rng() % alphabet.size()];
    }
    const auto [expected, got] = st.both(probe_code(subject, pattern));
    INFO("subject '" << subject << "' pattern '" << pattern << "'");
    REQUIRE(got == expected);
  }
}

TEST_CASE("The pattern bomb stops at the budget, at the same step every time", "[lua][sandbox]") {
  const std::string bomb = "return string.find(string.rep('a', 3000), string.rep('a-', 12) .. 'b')";
  std::vector<std::string> messages;
  for (int run = 0; run < 2; ++run) {
    lua::Sandbox sandbox(lua::Limits{2'000'000, 64u << 20}, 1);
    REQUIRE(sandbox.load(bomb, "bomb.lua"));
    const auto started = std::chrono::steady_clock::now();
    auto r = sandbox.call(0, 1);
    REQUIRE_FALSE(r);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    messages.push_back(r.error().message);
  }
  CHECK(messages[0] == "bomb.lua:1: instruction budget of 2000000 exceeded (an endless loop?)");
  CHECK(messages[0] == messages[1]);
}

TEST_CASE("C library functions charge their work to the budget", "[lua][sandbox]") {
  const std::vector<std::string> bombs = {
      "return table.move({}, 1, 1e15, 1, {})",
      "return table.concat(setmetatable({}, { __index = function() return '' end }), '', 1, 1e15)",
      "local t = {} for i = 1, 100000 do t[i] = i end for i = 1, 100000 do table.insert(t, 1, i) end",
      "local t = {} for i = 1, 100000 do t[i] = i end for i = 1, 100000 do table.remove(t, 1) end",
      "local t = {} for i = 1, 1000000 do t[i] = -i end table.sort(t)",
      "local s = ('a'):rep(3000000) return s:find(('a'):rep(1000000) .. 'b', 1, true)",
      "local s = ('a'):rep(4000000) for i = 1, 100000 do local u = s:upper() end",
      "local s = ('x'):rep(100) for i = 1, 1000000 do s = s:rep(2):sub(1, 4000000) end",
  };
  for (const std::string& code : bombs) {
    INFO(code);
    lua::Sandbox sandbox(lua::Limits{5'000'000, 64u << 20}, 1);
    REQUIRE(sandbox.load(code, "c.lua"));
    auto r = sandbox.call(0, 0);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "c.lua:1: instruction budget of 5000000 exceeded (an endless loop?)");
  }
  // string.rep of nothing costs nothing, however many times.
  lua::Sandbox sandbox(lua::Limits{5'000'000, 64u << 20}, 1);
  REQUIRE(sandbox.load("return #string.rep('', 1e15) + #string.rep('ab', 3, ',')", "rep.lua"));
  REQUIRE(sandbox.call(0, 1));
  CHECK(lua_tointeger(sandbox.state(), -1) == 8);
}

TEST_CASE("The deadline stops unmetered code, in Lua and in C", "[lua][sandbox]") {
  for (const std::string code : {"while true do end",
                                 "return string.find(string.rep('a', 3000), string.rep('a-', 14) .. 'b')"}) {
    INFO(code);
    lua::Sandbox sandbox(lua::Limits{0, 64u << 20, std::chrono::milliseconds(30)}, 1);
    REQUIRE(sandbox.load(code, "spin.lua"));
    const auto started = std::chrono::steady_clock::now();
    auto r = sandbox.call(0, 0);
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "spin.lua:1: callback ran past its deadline of 30 ms of CPU time (lua.deadline_ms) and was stopped");
    CHECK(took >= std::chrono::milliseconds(30));
    CHECK(took < std::chrono::seconds(2));
    // The state stays usable, and the next callback has a fresh deadline.
    REQUIRE(sandbox.load("return 1 + 1", "next.lua"));
    REQUIRE(sandbox.call(0, 1));
    CHECK(lua_tointeger(sandbox.state(), -1) == 2);
  }
}

namespace {

// A C function that waits without using CPU, as a callback does while the machine is busy
// elsewhere (the thread is not running, the wall clock is).
int nap(lua_State* L) {
  std::this_thread::sleep_for(std::chrono::milliseconds(lua_tointeger(L, 1)));
  return 0;
}

}  // namespace

TEST_CASE("Time a callback spends not running does not count against its deadline", "[lua][sandbox]") {
  lua::Sandbox sandbox(lua::Limits{0, 64u << 20, std::chrono::milliseconds(30)}, 1);
  lua_register(sandbox.state(), "nap", nap);
  // 150 ms of waiting, next to nothing of CPU: the callback completes.
  REQUIRE(sandbox.load("nap(150) return 7", "busy_machine.lua"));
  auto waited = sandbox.call(0, 1);
  INFO((waited ? std::string() : waited.error().message));
  REQUIRE(waited);
  CHECK(lua_tointeger(sandbox.state(), -1) == 7);
  // Past the wall-clock backstop (20 x 30 ms, at least 1 s) it is stopped all the same.
  REQUIRE(sandbox.load("nap(1200) local x = 1 return x", "stuck.lua"));
  auto stuck = sandbox.call(0, 1);
  REQUIRE_FALSE(stuck);
  CHECK(stuck.error().message ==
        "stuck.lua:1: callback ran past 1000 ms of wall-clock time (20 x lua.deadline_ms, at least 1 s) and was stopped");
}

TEST_CASE("Every kind of loop and recursion stops at the budget, naming its line", "[lua][sandbox]") {
  // The interpreter counts calls and backward jumps; each way Lua can run on without end must
  // take one of them. Line 2 is where each runaway is.
  const std::vector<std::string> runaways = {
      "while true do end",
      "local x = 0 while x >= 0 do x = x + 1 end",
      "local x = 0 repeat x = x + 1 until false",
      "local x = 0 repeat x = x + 1 until x < 0",            // a test that jumps back itself
      "local x = 0 repeat x = x + 1 until x == -1",
      "local x = 0 repeat local y = x x = x + 1 until not y",  // TEST on a local
      "local s = 'a' repeat s = s until s ~= 'a'",           // string comparison
      "local t = {} repeat t.x = 1 until t.x > 1",
      "local x = 0 for i = 1, math.maxinteger do x = x + i end",
      "for i = 1.0, math.huge do end",
      "for _ in function() return 1 end do end",
      "::top:: goto top",
      "local function f(n) return f(n + 1) end f(1)",     // tail calls
      "local function f(n) if n > 0 then f(n - 1) end end while true do f(10) end",
      "local t = setmetatable({}, {__index = function() return 1 end}) while t.x do end",
      "while pcall(function() end) do end",
  };
  for (const std::string& code : runaways) {
    INFO(code);
    // The deadline is only a backstop: a loop the budget missed fails the test instead of hanging it.
    lua::Sandbox sandbox(lua::Limits{2'000'000, 8u << 20, std::chrono::milliseconds(5000)}, 1);
    REQUIRE(sandbox.load("\n" + code, "loop.lua"));
    const auto started = std::chrono::steady_clock::now();
    auto r = sandbox.call(0, 0);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "loop.lua:2: instruction budget of 2000000 exceeded (an endless loop?)");
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  }
}

TEST_CASE("Error messages carry whole chunk names however long", "[lua][sandbox]") {
  const std::string name = "/" + std::string(250, 'd') + "/strategy.lua";
  lua::Sandbox sandbox(lua::Limits{10'000'000, 8u << 20}, 1);
  auto syntax = sandbox.load("return {", name);
  REQUIRE_FALSE(syntax);
  CHECK(syntax.error().message.rfind(name + ":1: ", 0) == 0);
  for (const auto& [code, tail] : std::vector<std::pair<std::string, std::string>>{
           {"\nlocal t = nil\nreturn t.x", ":3: attempt to index a nil value"},
           {"\n\nerror('boom')", ":3: boom"},
           {"\nwhile true do end", ":2: instruction budget of 10000000 exceeded"},
           {"\nlocal t = {}\nfor i = 1, 1e9 do t[i] = i end", ":3: memory cap of 8 MiB exceeded"}}) {
    REQUIRE(sandbox.load(code, name));
    auto r = sandbox.call(0, 0);
    REQUIRE_FALSE(r);
    INFO(r.error().message);
    CHECK(r.error().message.rfind(name + tail, 0) == 0);
  }
}

TEST_CASE("ctx.state deeper than the limit is refused, not walked", "[lua][sandbox]") {
  lua::Sandbox sandbox(lua::Limits{}, 1);
  lua_State* L = sandbox.state();
  for (const auto& [depth, ok] : std::vector<std::pair<int, bool>>{{lua::k_max_table_depth, true},
                                                                   {lua::k_max_table_depth + 1, false},
                                                                   {400'000, false}}) {
    const std::string code = "local t = 1 for i = 1, " + std::to_string(depth) + " do t = { t } end return t";
    REQUIRE(sandbox.load(code, "deep.lua"));
    REQUIRE(sandbox.call(0, 1));
    auto j = lua::to_json(L, -1);
    lua_pop(L, 1);
    INFO(depth);
    CHECK(j.has_value() == ok);
    if (!j) {
      CHECK(j.error().message.find("tables nested deeper than 100 levels") != std::string::npos);
    } else {
      // And back: as deep as the limit allows.
      lua_settop(L, 0);
      CHECK(lua::push_json(L, *j));
      lua_settop(L, 0);
    }
  }
  nlohmann::json deep = 1;
  for (int i = 0; i < 150; ++i) deep = nlohmann::json::array({deep});
  CHECK_FALSE(lua::push_json(L, deep));
  CHECK(lua_gettop(L) == 0);
}

TEST_CASE("JSON nesting is measured without parsing", "[util]") {
  CHECK(json_nesting_depth("{}") == 1);
  CHECK(json_nesting_depth(R"({"a":[1,{"b":[]}]})") == 4);
  CHECK(json_nesting_depth(R"({"a":"[[[[[[\"[[["})") == 1);
  CHECK(json_nesting_depth(std::string(1'000'000, '['), 128) == 129);
  CHECK(json_nesting_depth("]]]]{") == 1);
}
