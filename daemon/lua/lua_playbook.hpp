// A deployment playbook written in Lua (plugins/playbooks/*.lua): the third plugin kind, in its
// own sandbox with the limits of every plugin. Its run(p) runs as a coroutine; each step function
// (gate.backtest, shadow, compare, canary, promote, rollback, wait, notify) checks its arguments
// where it is called and yields the step to an executor, which resumes the playbook with the
// step's result: check mode (aiots deploy --dry-run) runs the backtest gates and plans the rest.
// Between steps the playbook is plain Lua (control flow, assert), metered like any callback.
// aiots-lua(7) PLAYBOOKS documents the API.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lua/plugin_params.hpp"
#include "lua/sandbox.hpp"

namespace aiots::lua {

// A step the playbook asks for: its kind ("gate.backtest", "canary", ...), its arguments as the
// playbook wrote them (checked), and where ("file:line: ").
struct PlaybookStep {
  std::string kind;
  nlohmann::json args;
  std::string where;
};

// A figure in a step's one-line detail: four significant digits (results keep it exact).
std::string brief(double v);
std::string brief(const nlohmann::json& v);
// What a gate's result says in one line: the figures it was held to (or its headline ones),
// then trades; its reason when it failed.
std::string gate_summary(const nlohmann::json& args, const nlohmann::json& result);

// The step kinds, in the order aiots-lua(7) lists them.
const std::vector<std::string>& playbook_step_kinds();

class LuaPlaybook {
public:
  // Loads the playbook at `path` with `overrides` of its declared params. A missing file, a
  // syntax error or a bad table is a data error with file:line; a bad override a usage error.
  static Expected<std::unique_ptr<LuaPlaybook>> load(const std::string& path,
                                                     const std::map<std::string, std::string>& overrides,
                                                     Limits limits);
  ~LuaPlaybook();
  LuaPlaybook(const LuaPlaybook&) = delete;
  LuaPlaybook& operator=(const LuaPlaybook&) = delete;

  const std::string& name() const { return m_name; }
  const std::string& description() const { return m_description; }
  const std::string& path() const { return m_path; }
  const std::string& source() const { return m_source; }
  const std::map<std::string, ParamValue>& values() const { return m_values; }
  // What the playbook printed, in order.
  const std::vector<std::string>& log_lines() const { return m_log; }
  // Forgets what was printed so far (aiotsd journals it as it comes).
  void clear_log() { m_log.clear(); }

  // Runs the playbook to its next step and returns it; nullopt once run() has returned. Give
  // the previous step's result (a JSON object; null before the first step). A gate or canary
  // whose result has "passed": false raises its failure in the playbook, at the step's line,
  // where pcall may catch it. Errors: "file:line: message".
  Expected<std::optional<PlaybookStep>> next(const nlohmann::json& previous_result);
  bool finished() const { return m_finished; }

  // Used by the step bindings.
  void set_pending(PlaybookStep step) { m_pending = std::move(step); }
  void add_log(std::string line) { m_log.push_back(std::move(line)); }

private:
  explicit LuaPlaybook(Limits limits) : m_sandbox(limits, 0) {}
  Expected<void> read_table(const std::map<std::string, std::string>& overrides);

  Sandbox m_sandbox;
  std::string m_path;
  std::string m_source;
  std::string m_name;
  std::string m_description;
  std::map<std::string, ParamValue> m_values;
  std::vector<std::string> m_log;
  lua_State* m_thread = nullptr;  // the coroutine of run(p), anchored in the registry
  int m_thread_ref = -2;
  bool m_started = false;
  bool m_finished = false;
  std::optional<PlaybookStep> m_pending;
};

}  // namespace aiots::lua
