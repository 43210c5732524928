// A sweep from definition to stored results: loads the strategy and the bars once, checks the
// grid against the strategy's declared params, takes the sweep's lock, and runs what is not yet
// stored, committing each run as it finishes. Shared by `sweep`, `sweep resume` and the
// single-machine half of `sweep plan` (which only prepares).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "backtest/bar_library.hpp"
#include "sweep/sweep_plan.hpp"

namespace aiots::cli {

struct PreparedSweep {
  SweepPlan plan;
  BarLibrary bars;
  std::string strategy_name;
};

// Loads the strategy and the bars of `definition` (from `bars` when given, else as a backtest
// would) and makes its plan. With `check_hashes` (a resume, a shard), the strategy's text and
// the bars must still be those the definition records; otherwise their hashes are filled in.
Expected<PreparedSweep> prepare_sweep(const Context& ctx, SweepDefinition definition, bool check_hashes,
                                      std::optional<BarLibrary> bars = std::nullopt);

enum class ProgressMode { Auto, Bar, Lines, None };
Expected<ProgressMode> parse_progress(const std::string& text);

// Prints sweep progress: a bar on a terminal, or one line per finished run.
class SweepProgress {
public:
  SweepProgress(const Context& ctx, ProgressMode mode, std::string label, std::uint64_t total, std::uint64_t done);
  ~SweepProgress();
  void finished(const SweepResultRow& row, double seconds, const std::string& rank_by);

private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

// Runs the sweep (a new one, or `existing` resumed) with `jobs` workers; returns its id.
Expected<std::int64_t> execute_sweep(const Context& ctx, const PreparedSweep& sweep, std::optional<std::int64_t> existing,
                                     unsigned jobs, ProgressMode progress);

// The grid point chosen on each fold's training window for each run data (fold-major), by the
// definition's rank and filter; nullopt where no training run passed.
Expected<std::vector<std::optional<std::uint64_t>>> chosen_points(Database& db, std::int64_t sweep_id,
                                                                  const SweepPlan& plan);

}  // namespace aiots::cli
