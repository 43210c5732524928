#include "lua/lua_playbook.hpp"

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

// Raises "file:line: KIND: what" at the playbook line that called the step.
[[noreturn]] void step_error(lua_State* L, const std::string& kind, const std::string& what) {
  const std::string where = lua_location(L, nearest_lua_level(L));
  lua_pushstring(L, (where + kind + ": " + what).c_str());
  lua_error(L);
  std::abort();  // not reached: lua_error does not return
}

bool is_condition(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && std::string_view("<>=!").find(text[i]) != std::string_view::npos) ++i;
  const std::string op = text.substr(0, i);
  if (op != "<" && op != "<=" && op != ">" && op != ">=" && op != "=" && op != "!=") return false;
  char* end = nullptr;
  const std::string number = text.substr(i);
  std::strtod(number.c_str(), &end);
  return !number.empty() && end != nullptr && *end == '\0';
}

// Checks the argument table of a step against its schema; the checked fields as JSON.
nlohmann::json checked_args(lua_State* L, const StepSchema& schema) {
  const std::string kind = schema.kind;
  if (lua_gettop(L) != 1 || !lua_istable(L, 1)) step_error(L, kind, "takes one table, as in " + kind + "{...}");
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
      step_error(L, kind, "unknown field '" + key + "' (fields: " + fields + ")");
    }
  }
  for (const Field& f : schema.fields) {
    lua_getfield(L, 1, f.name);
    if (lua_isnil(L, -1)) {
      if (f.required) step_error(L, kind, std::string("needs '") + f.name + "'");
    } else if (!has_type(L, -1, f.type)) {
      step_error(L, kind, std::string("'") + f.name + "' must be " + type_name(f.type) + " (got " + luaL_typename(L, -1) + ")");
    }
    lua_pop(L, 1);
  }
  auto json = to_json(L, 1, kind);
  if (!json) step_error(L, kind, json.error().message);
  nlohmann::json args = std::move(*json);
  // What the types cannot say.
  for (const char* key : {"bars"}) {
    if (args.contains(key) && args[key].get<std::int64_t>() <= 0) step_error(L, kind, "'bars' must be positive");
  }
  if (kind == "wait" && args.contains("bars") == args.contains("seconds")) {
    step_error(L, kind, "takes bars=N or seconds=S (one of them)");
  }
  if (args.contains("seconds") && !(args["seconds"].get<double>() > 0)) step_error(L, kind, "'seconds' must be positive");
  if (args.contains("capital")) {
    const double c = args["capital"].get<double>();
    if (!(c > 0 && c <= 1)) step_error(L, kind, "'capital' is a fraction of the account, above 0 and at most 1");
  }
  if (args.contains("positions") && args["positions"] != "hand-over" && args["positions"] != "flatten") {
    step_error(L, kind, "'positions' is 'hand-over' or 'flatten'");
  }
  if (args.contains("require")) {
    if (!args["require"].is_object()) step_error(L, kind, "'require' maps metrics to conditions, e.g. {sharpe='>=1.0'}");
    for (const auto& [metric, condition] : args["require"].items()) {
      if (!condition.is_string() || !is_condition(condition.get<std::string>())) {
        step_error(L, kind, "require." + metric + " must be a condition such as '>=1.0' or '<=0.15'");
      }
    }
  }
  if (args.contains("data") && args["data"].is_array()) {
    for (const auto& d : args["data"]) {
      if (!d.is_string()) step_error(L, kind, "'data' must be a string or a list of strings");
    }
  }
  return args;
}

// After the executor resumed the step with its result (on the stack top): a failed gate or
// canary fails here, at the playbook's line; otherwise the result is the step's value.
int step_continue(lua_State* L, int /*status*/, lua_KContext ctx) {
  const StepSchema& schema = schemas()[static_cast<std::size_t>(ctx)];
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "passed");
    const bool failed = lua_isboolean(L, -1) && !lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (failed) {
      lua_getfield(L, -1, "reason");
      const std::string reason = lua_isstring(L, -1) ? lua_tostring(L, -1) : "its requirements were not met";
      lua_pop(L, 1);
      step_error(L, schema.kind, "failed: " + reason);
    }
  }
  return 1;
}

int step_call(lua_State* L) {
  LuaPlaybook* playbook = playbook_of(L);
  const auto index = static_cast<std::size_t>(lua_tointeger(L, lua_upvalueindex(2)));
  const StepSchema& schema = schemas()[index];
  if (!lua_isyieldable(L)) step_error(L, schema.kind, "steps run inside run(p), not while the file loads");
  nlohmann::json args = checked_args(L, schema);
  playbook->set_pending(PlaybookStep{schema.kind, std::move(args), lua_location(L, nearest_lua_level(L))});
  lua_settop(L, 0);
  return lua_yieldk(L, 0, static_cast<lua_KContext>(index), step_continue);
}

int playbook_print(lua_State* L) {
  LuaPlaybook* playbook = playbook_of(L);
  const std::string_view text = join_print_args(L);
  playbook->add_log(std::string(text));
  return 0;
}

}  // namespace

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
