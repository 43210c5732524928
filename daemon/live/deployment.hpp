// A deployment in aiotsd (aiots deploy): a playbook the daemon runs one step at a time between
// events, on its one thread. Steps that take time wait without blocking anything: a backtest
// gate runs in a child process (aiots deploy gate), shadow/canary/wait{bars} count feed bars,
// wait{seconds} counts the clock. What a step changes live (a shadow or canary strategy, a
// promotion) is journaled with the deployment's id, so a restart can undo it (runtime_deploy.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/metrics/condition.hpp"
#include "lua/lua_playbook.hpp"

namespace aiots {

struct StrategySlot;

// Shared by the runtime's deployment files.
std::string deploy_wall_time();  // now, UTC, to the second: the audit trail's clock
std::string deploy_text(const nlohmann::json& v);  // strings as they are, the rest as JSON
// A step's `params` table as strategies take parameters (text).
std::map<std::string, std::string> deploy_params(const nlohmann::json& args);
// A step result that failed: passed = false, the reason, and `extra` fields.
nlohmann::json step_failed(std::string reason, nlohmann::json extra = nlohmann::json::object());
// No position and no open order.
bool slot_is_flat(const StrategySlot& slot);
// Its positions as [{symbol, qty}].
nlohmann::json positions_of(const StrategySlot& slot);

// What a strategy did while a deployment watched it (a shadow window): its decisions (signals
// and submitted orders, each "time symbol side kind"), its fills' slippage against the last price
// before them, and how long its bars took.
struct DecisionLog {
  std::vector<std::string> decisions;
  double equity_start = 0;
  double slippage_bps_sum = 0;
  std::int64_t fills = 0;
  double bar_seconds_sum = 0;
  std::int64_t bars = 0;
};

// Share of decisions both made (same time, symbol, side and kind) among all the decisions
// either made; 1 when neither decided anything.
double decision_agreement(const std::vector<std::string>& a, const std::vector<std::string>& b);

// The running drawdown and P&L of a canary, from its equity after each bar.
struct CanaryWatch {
  double start = 0;
  double peak = 0;
  double last = 0;
  double max_drawdown = 0;  // a fraction of the peak, positive
  std::int64_t bars = 0;
  std::int64_t fills_start = 0;
  void add(double equity);
};

// The figures a canary's `require` may name.
const std::vector<std::string>& canary_metrics();

// Steps that take no time (notify, compare, promote, ...) run at most this many in a row before
// the deployment gives the event loop back: a playbook looping over them cannot freeze aiotsd or
// hold its journal uncommitted. And a deployment ends after k_max_steps steps.
inline constexpr int k_steps_per_turn = 64;
inline constexpr int k_max_steps = 1'000'000;

struct Deployment {
  std::int64_t id = 0;
  std::string cwd;  // the deploying client's directory: relative file names in steps resolve there
  std::unique_ptr<lua::LuaPlaybook> playbook;
  int step_number = 0;
  lua::PlaybookStep step;
  std::chrono::steady_clock::time_point step_started;

  // Turn: it gave the event loop back after k_steps_per_turn steps that took no time, and goes on
  // at the next tick with `carry`, the last step's result.
  enum class Waiting { Nothing, Gate, Bars, Clock, Turn };
  Waiting waiting = Waiting::Nothing;
  std::int64_t bars_seen = 0;
  std::int64_t bars_needed = 0;
  std::chrono::steady_clock::time_point due;  // wait{seconds}
  std::string watched;                        // the strategy whose bars count (shadow, canary)

  // The step under way, when it is a shadow or a canary.
  std::string shadow;     // the shadow strategy's name
  std::string alongside;  // the running strategy it shadows
  std::string canary;
  CanaryWatch canary_watch;
  std::map<std::string, MetricCondition> canary_require;

  // The last shadow window, for compare: the running version's and the shadow's logs.
  nlohmann::json carry;
  nlohmann::json last_shadow;
  bool rolled_back = false;
};

}  // namespace aiots
