// Check mode of a deployment playbook (aiots deploy PLAYBOOK --dry-run, after Ansible's): the
// playbook runs for real in its sandbox; its backtest gates run real backtests and fail the
// deploy as they would live; every live step (shadow, compare, canary, promote, rollback, wait,
// notify) is only planned: nothing reaches aiotsd, no notification is sent. Live steps answer
// {planned = true, passed = true}, so the plan shows the path taken when they succeed.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "context.hpp"
#include "lua/lua_playbook.hpp"

namespace aiots::cli {

struct CheckedStep {
  int number = 0;
  lua::PlaybookStep step;
  std::string outcome;  // "passed", "failed", "planned"
  std::string detail;   // what was found or what would happen
  nlohmann::json result;
};

struct CheckReport {
  std::string playbook;
  std::string path;
  nlohmann::json params;
  std::vector<CheckedStep> steps;
  std::string status = "ok";  // ok | failed
  std::string error;          // file:line: message, when failed
  std::vector<std::string> log;
};

// Runs `path` in check mode with -p `params`. Load problems are errors; a failing gate or a
// playbook error is a report with status "failed".
Expected<CheckReport> check_playbook(const Context& ctx, const std::string& path,
                                     const std::map<std::string, std::string>& params);

// gate.backtest: a real backtest of the strategy file (args as the playbook gave them), its
// metrics held to `require` (drawdowns by size, as --where in aiots-sweep(1)). Never an error:
// {passed, reason, metrics}. aiotsd runs it through `aiots deploy gate ARGS`.
nlohmann::json run_backtest_gate(const Context& ctx, const nlohmann::json& args);
// gate.diff: aiots diff of a strategy in aiotsd (its journaled fills against a backtest of the
// same period), its summary held to `require` (missed, extra, identical, slippage_cost, ...).
nlohmann::json run_diff_gate(const Context& ctx, const nlohmann::json& args);
// Either gate, by step kind.
nlohmann::json run_gate_step(const Context& ctx, const std::string& kind, const nlohmann::json& args);

// A step's arguments in one line: key=value pairs, tables as JSON.
std::string step_summary(const nlohmann::json& args);

}  // namespace aiots::cli
