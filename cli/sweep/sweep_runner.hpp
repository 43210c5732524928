// Runs a sweep's tasks on worker threads: each worker takes the next task, runs it with its own
// Lua state over the shared bars, and hands back a result row; the caller stores each row on
// its own thread as it arrives (SQLite and progress output stay on one thread), so memory holds
// a few rows, never the sweep.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "backtest/bar_library.hpp"
#include "sweep/sweep_plan.hpp"

namespace aiots::cli {

struct SweepWork {
  std::uint64_t begin = 0;  // tasks [begin, end) ...
  std::uint64_t end = 0;
  std::function<bool(std::uint64_t)> wanted;  // ... those this returns true for
  // A test task's parameters: the grid point chosen on its fold's training window (nullopt:
  // none passed, and the task is recorded as skipped).
  std::function<std::optional<std::uint64_t>(const SweepTask&)> chosen;
};

// Runs `work` with `jobs` threads (at least 1); `store` is called on this thread for every row,
// with the run's wall time in seconds; its error stops the sweep (workers finish their current
// run and stop). Runs themselves never fail the sweep: a run that cannot start is a "failed" row.
Expected<void> run_sweep_tasks(const Context& ctx, const SweepPlan& plan, const BarLibrary& bars, const SweepWork& work,
                               unsigned jobs, const std::function<Expected<void>(const SweepResultRow&, double)>& store);

// The worker count of --jobs: as given, 0 for one per core; a usage error above 1024.
Expected<unsigned> sweep_jobs(unsigned requested);

// Runs one task on this thread (for --estimate and tests).
SweepResultRow run_sweep_task(const Context& ctx, const SweepPlan& plan, const BarLibrary& bars, const SweepTask& task,
                              std::optional<std::uint64_t> chosen);

}  // namespace aiots::cli
