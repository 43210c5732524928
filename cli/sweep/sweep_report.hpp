// What `sweep`, `sweep show` and `sweep merge` print: the best runs of a sweep (those passing
// the filter, ranked), or for walk-forward each fold's chosen parameters in and out of sample
// with the overfitting verdict. Read from the store, a row at a time.
#pragma once

#include <cstdint>

#include "context.hpp"
#include "store/sweeps_store.hpp"
#include "sweep/sweep_plan.hpp"

namespace aiots::cli {

// How to rank and filter when showing (defaults: the sweep's own).
struct ReportOptions {
  std::optional<std::string> rank;
  std::optional<std::vector<SweepCondition>> where;
  std::optional<std::int64_t> top;
};

// Prints the report of sweep `id` in the context's format; returns how many runs passed the
// filter (walk-forward: how many folds had a candidate), for exit status 4.
Expected<std::int64_t> print_sweep_report(const Context& ctx, Database& db, std::int64_t id, const ReportOptions& options);

// The overfitting rule of walk-forward reports (stated in aiots-sweep(1)): a fold is flagged
// when its out-of-sample value of the ranking metric is below half its in-sample value (or not
// positive while the in-sample one is); the sweep when the mean out-of-sample value is below
// half the mean in-sample one. For a metric where lower is better (max_drawdown, volatility):
// out of sample above twice in sample.
bool overfit(const std::string& metric, double in_sample, double out_of_sample);

}  // namespace aiots::cli
