#include "lua/lua_playbook.hpp"

#include "engine/metrics/condition.hpp"
#include "util/format_number.hpp"

#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <lua.hpp>
#include <sstream>

#include "lua/lua_json.hpp"

namespace aiots::lua {
namespace {

enum class FieldType { String, Integer, Number, Boolean, Table, StringOrList };

struct Field {
  const char* name;
  FieldType type;
  bool required;
};

struct StepSchema {
  const char* kind;
  std::vector<Field> fields;
};

const std::vector<StepSchema>& schemas() {
  using T = FieldType;
  static const std::vector<StepSchema> all = {
      {"gate.backtest",
       {{"strategy", T::String, true}, {"data", T::StringOrList, true}, {"params", T::Table, false},
        {"from", T::String, false}, {"to", T::String, false}, {"timeframe", T::String, false},
        {"cash", T::Number, false}, {"commission", T::String, false}, {"slippage", T::String, false},
        {"require", T::Table, false}}},
      {"gate.diff",
       {{"strategy", T::String, true}, {"from", T::String, false}, {"to", T::String, false}, {"window", T::Integer, false},
        {"require", T::Table, false}}},
      {"shadow", {{"strategy", T::String, true}, {"alongside", T::String, true}, {"bars", T::Integer, true},
                  {"params", T::Table, false}}},
      {"compare", {{"a", T::String, true}, {"b", T::String, true}, {"metrics", T::Table, false}}},
      {"canary", {{"strategy", T::String, true}, {"capital", T::Number, true}, {"bars", T::Integer, true},
                  {"alongside", T::String, false}, {"params", T::Table, false}, {"require", T::Table, false}}},
      {"promote", {{"from", T::String, true}, {"to", T::String, true}, {"positions", T::String, false},
                   {"state", T::Boolean, false}, {"params", T::Table, false}}},
      {"rollback", {{"to", T::String, true}, {"from", T::String, false}}},
      {"wait", {{"bars", T::Integer, false}, {"seconds", T::Number, false}}},
      {"notify", {{"text", T::String, true}}},
  };
  return all;
}

const char* type_name(FieldType t) {
  switch (t) {
    case FieldType::String: return "a string";
    case FieldType::Integer: return "an integer";
    case FieldType::Number: return "a number";
    case FieldType::Boolean: return "a boolean";
    case FieldType::Table: return "a table";
    case FieldType::StringOrList: return "a string or a list of strings";
  }
  return "";
}

bool has_type(lua_State* L, int index, FieldType t) {
  switch (t) {
    case FieldType::String: return lua_type(L, index) == LUA_TSTRING;
    case FieldType::Integer: return lua_isinteger(L, index) != 0;
    case FieldType::Number: return lua_type(L, index) == LUA_TNUMBER;
    case FieldType::Boolean: return lua_type(L, index) == LUA_TBOOLEAN;
    case FieldType::Table: return lua_type(L, index) == LUA_TTABLE;
    case FieldType::StringOrList: return lua_type(L, index) == LUA_TSTRING || lua_type(L, index) == LUA_TTABLE;
  }
  return false;
}

LuaPlaybook* playbook_of(lua_State* L) { return static_cast<LuaPlaybook*>(lua_touserdata(L, lua_upvalueindex(1))); }

// Pushes "file:line: KIND: what" (the playbook line that called the step) for lua_error. The
// caller raises it only once its C++ objects are gone: lua_error and lua_yieldk longjmp past
// destructors.
void push_step_error(lua_State* L, const std::string& kind, const std::string& what) {
  const std::string where = lua_location(L, nearest_lua_level(L));
  lua_pushstring(L, (where + kind + ": " + what).c_str());
}

// Checks the argument table of a step against its schema; the checked fields as JSON.
std::optional<nlohmann::json> checked_args(lua_State* L, const StepSchema& schema) {
  const std::string kind = schema.kind;
  if (lua_gettop(L) != 1 || !lua_istable(L, 1)) {
    push_step_error(L, kind, "takes one table, as in " + kind + "{...}");
    return std::nullopt;
  }
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    lua_pop(L, 1);
    bool known = false;
    if (lua_type(L, -1) == LUA_TSTRING) {
      const std::string key = lua_tostring(L, -1);
      for (const Field& f : schema.fields) known = known || key == f.name;
    }
    if (!known) {
      std::string fields;
      for (const Field& f : schema.fields) fields += (fields.empty() ? "" : ", ") + std::string(f.name);
      const std::string key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
      push_step_error(L, kind, "unknown field '" + key + "' (fields: " + fields + ")");
      return std::nullopt;
    }
  }
  for (const Field& f : schema.fields) {
    lua_pushstring(L, f.name);
    lua_rawget(L, 1);  // raw: a metatable's __index must not run (or raise) here
    if (lua_isnil(L, -1)) {
      if (f.required) {
        push_step_error(L, kind, std::string("needs '") + f.name + "'");
        return std::nullopt;
      }
    } else if (!has_type(L, -1, f.type)) {
      push_step_error(L, kind, std::string("'") + f.name + "' must be " + type_name(f.type) + " (got " +
                                   luaL_typename(L, -1) + ")");
      return std::nullopt;
    }
    lua_pop(L, 1);
  }
  auto json = to_json(L, 1, kind);
  if (!json) {
    push_step_error(L, kind, json.error().message);
    return std::nullopt;
  }
  nlohmann::json args = std::move(*json);
  // What the types cannot say.
  for (const char* key : {"bars"}) {
    if (args.contains(key) && args[key].get<std::int64_t>() <= 0) {
      push_step_error(L, kind, "'bars' must be positive");
      return std::nullopt;
    }
  }
  if (kind == "wait" && args.contains("bars") == args.contains("seconds")) {
    push_step_error(L, kind, "takes bars=N or seconds=S (one of them)");
    return std::nullopt;
  }
  if (args.contains("seconds") && !(args["seconds"].get<double>() > 0)) {
    push_step_error(L, kind, "'seconds' must be positive");
    return std::nullopt;
  }
  if (args.contains("capital")) {
    const double c = args["capital"].get<double>();
    if (!(c > 0 && c <= 1)) {
      push_step_error(L, kind, "'capital' is a fraction of the account, above 0 and at most 1");
      return std::nullopt;
    }
  }
  if (args.contains("positions") && args["positions"] != "hand-over" && args["positions"] != "flatten") {
    push_step_error(L, kind, "'positions' is 'hand-over' or 'flatten'");
    return std::nullopt;
  }
  if (args.contains("require")) {
    if (!args["require"].is_object()) {
      push_step_error(L, kind, "'require' maps metrics to conditions, e.g. {sharpe='>=1.0'}");
      return std::nullopt;
    }
    for (const auto& [metric, condition] : args["require"].items()) {
      if (!condition.is_string() || !parse_condition(condition.get<std::string>())) {
        push_step_error(L, kind, "require." + metric + " must be a condition such as '>=1.0' or '<=0.15'");
        return std::nullopt;
      }
    }
  }
  if (args.contains("data") && args["data"].is_array()) {
    for (const auto& d : args["data"]) {
      if (!d.is_string()) {
        push_step_error(L, kind, "'data' must be a string or a list of strings");
        return std::nullopt;
      }
    }
  }
  return args;
}

// True (the failure pushed) when the result on the stack top says the step failed.
bool push_failure(lua_State* L, const StepSchema& schema) {
  if (!lua_istable(L, -1)) return false;
  lua_getfield(L, -1, "passed");  // a table push_json made: no metatable
  const bool failed = lua_isboolean(L, -1) && !lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (!failed) return false;
  lua_getfield(L, -1, "reason");
  const std::string reason = lua_isstring(L, -1) ? lua_tostring(L, -1) : "its requirements were not met";
  lua_pop(L, 1);
  push_step_error(L, schema.kind, "failed: " + reason);
  return true;
}

// After the executor resumed the step with its result (on the stack top): a failed gate or
// canary fails here, at the playbook's line; otherwise the result is the step's value.
int step_continue(lua_State* L, int /*status*/, lua_KContext ctx) {
  if (push_failure(L, schemas()[static_cast<std::size_t>(ctx)])) return lua_error(L);
  return 1;
}

// Checks the call and hands the step to the playbook; false with the error pushed. Every C++
// object lives in here: the caller then raises or yields, both of which longjmp.
bool prepare_step(lua_State* L, std::size_t index) {
  const StepSchema& schema = schemas()[index];
  if (!lua_isyieldable(L)) {
    push_step_error(L, schema.kind, "steps run inside run(p), not while the file loads");
    return false;
  }
  auto args = checked_args(L, schema);
  if (!args) return false;
  playbook_of(L)->set_pending(PlaybookStep{schema.kind, std::move(*args), lua_location(L, nearest_lua_level(L))});
  lua_settop(L, 0);
  return true;
}

int step_call(lua_State* L) {
  const auto index = static_cast<std::size_t>(lua_tointeger(L, lua_upvalueindex(2)));
  if (!prepare_step(L, index)) return lua_error(L);
  return lua_yieldk(L, 0, static_cast<lua_KContext>(index), step_continue);
}

int playbook_print(lua_State* L) {
  LuaPlaybook* playbook = playbook_of(L);
  const std::string_view text = join_print_args(L);
  playbook->add_log(std::string(text));
  return 0;
}

}  // namespace

std::string brief(double v) { return format_brief(v); }

std::string brief(const nlohmann::json& v) {
  if (v.is_number()) return brief(v.get<double>());
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string gate_summary(const nlohmann::json& args, const nlohmann::json& result) {
  if (!result.value("passed", false)) return result.value("reason", std::string("failed"));
  std::vector<std::string> names;
  if (args.contains("require")) {
    for (const auto& [metric, condition] : args["require"].items()) names.push_back(metric == "return" ? "total_return" : metric);
  }
  const nlohmann::json metrics = result.value("metrics", nlohmann::json::object());
  if (names.empty()) names = {"sharpe", "total_return", "max_drawdown", "identical", "missed", "extra"};
  names.push_back("trades");
  std::string out;
  for (const std::string& n : names) {
    if (metrics.contains(n)) out += (out.empty() ? "" : " ") + n + "=" + brief(metrics[n]);
  }
  return out;
}

const std::vector<std::string>& playbook_step_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> out;
    for (const StepSchema& s : schemas()) out.push_back(s.kind);
    return out;
  }();
  return kinds;
}

Expected<std::unique_ptr<LuaPlaybook>> LuaPlaybook::load(const std::string& path,
                                                         const std::map<std::string, std::string>& overrides,
                                                         Limits limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return data_error(path + ": cannot read the playbook file (does it exist?)");
  std::ostringstream text;
  text << in.rdbuf();
  std::unique_ptr<LuaPlaybook> playbook(new LuaPlaybook(limits));
  playbook->m_path = path;
  playbook->m_source = text.str();
  AIOTS_TRY(playbook->read_table(overrides));
  return playbook;
}

LuaPlaybook::~LuaPlaybook() = default;

Expected<void> LuaPlaybook::read_table(const std::map<std::string, std::string>& overrides) {
  lua_State* L = m_sandbox.state();
  // The steps: globals, and gate.backtest in the table gate.
  lua_newtable(L);  // gate
  for (std::size_t i = 0; i < schemas().size(); ++i) {
    const std::string kind = schemas()[i].kind;
    lua_pushlightuserdata(L, this);
    lua_pushinteger(L, static_cast<lua_Integer>(i));
    lua_pushcclosure(L, step_call, 2);
    if (kind.starts_with("gate.")) {
      lua_setfield(L, -2, kind.substr(5).c_str());
    } else {
      lua_setglobal(L, kind.c_str());
    }
  }
  lua_setglobal(L, "gate");
  lua_pushlightuserdata(L, this);
  lua_pushcclosure(L, playbook_print, 1);
  lua_setglobal(L, "print");

  AIOTS_TRY(m_sandbox.load(m_source, m_path));
  AIOTS_TRY(m_sandbox.call(0, 1));
  if (!lua_istable(L, -1)) {
    const std::string got = luaL_typename(L, -1);
    lua_pop(L, 1);
    return data_error(m_path + ": a playbook file must return a table (got " + got + ")");
  }
  lua_getfield(L, -1, "name");
  if (!lua_isstring(L, -1)) {
    lua_pop(L, 2);
    return data_error(m_path + ": the playbook table needs a string 'name'");
  }
  m_name = lua_tostring(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, -1, "description");
  if (lua_isstring(L, -1)) m_description = lua_tostring(L, -1);
  lua_pop(L, 1);
  auto declared = read_param_decls(L, m_path);
  if (!declared) {
    lua_pop(L, 1);
    return tl::unexpected(declared.error());
  }
  auto values = resolve_param_values(*declared, overrides, m_name);
  if (!values) {
    lua_pop(L, 1);
    return tl::unexpected(values.error());
  }
  m_values = std::move(*values);
  lua_getfield(L, -1, "run");
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 2);
    return data_error(m_path + ": a playbook needs a function 'run' (run = function(p) ... end)");
  }
  // run(p) becomes a coroutine, anchored in the registry while the playbook lives.
  m_thread = lua_newthread(L);
  m_thread_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_xmove(L, m_thread, 1);  // run
  lua_pop(L, 1);              // the table
  return {};
}

Expected<std::optional<PlaybookStep>> LuaPlaybook::next(const nlohmann::json& previous_result) {
  if (m_finished) return std::optional<PlaybookStep>{};
  int nargs = 1;
  if (!m_started) {
    m_started = true;
    lua_createtable(m_thread, 0, static_cast<int>(m_values.size()));
    for (const auto& [k, v] : m_values) {
      push_param_value(m_thread, v);
      lua_setfield(m_thread, -2, k.c_str());
    }
  } else if (!push_json(m_thread, previous_result.is_null() ? nlohmann::json::object() : previous_result)) {
    return data_error(m_path + ": a step's result nests too deep for Lua");
  }
  m_pending.reset();
  auto done = m_sandbox.resume(m_thread, nargs);
  if (!done) {
    m_finished = true;
    return tl::unexpected(done.error());
  }
  if (*done) {
    m_finished = true;
    lua_settop(m_thread, 0);
    return std::optional<PlaybookStep>{};
  }
  if (!m_pending) {
    m_finished = true;
    return data_error(m_path + ": the playbook yielded outside a step (coroutine.yield is not a step)");
  }
  return m_pending;
}

}  // namespace aiots::lua
