// What a stress run shows: the worst daily loss after the shock against the loss limit, whether
// and when the account halted, how long until it was flat, the orders denied by code, and the
// verdict `aiots stress` exits with (0 held, 1 breached).
#pragma once

#include <nlohmann/json.hpp>

#include "backtest/backtest_run.hpp"

namespace aiots::cli {

struct StressGate {
  double max_loss_pct = 5;      // the loss limit the run is judged against
  std::int64_t flat_within = 2;  // bars from the halt to flat that still count as contained
};

// The report of a run made with scenarios (outcome.shock_time set): a JSON document with
// "held" true or false. The verdict: held when the worst daily loss from the shock on stayed
// within max_loss_pct, or when the account was halted on or after the shock and had no
// position left within flat_within bars of the halt.
nlohmann::json stress_report(const BacktestOutcome& outcome, const BacktestSpec& spec, const StressGate& gate);

}  // namespace aiots::cli
