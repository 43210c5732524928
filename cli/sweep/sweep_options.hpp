// The command-line options that define a sweep (shared by `sweep` and `sweep plan`) and the
// definition they make.
#pragma once

#include <CLI/CLI.hpp>

#include "sweep/sweep_plan.hpp"

namespace aiots::cli {

struct SweepOptions {
  BacktestSpec base;
  std::string strategy;
  std::vector<std::string> params;
  std::vector<std::string> limits;
  std::vector<std::string> grid;
  std::vector<std::string> symbols;
  std::uint64_t random = 0;
  std::uint64_t seed = 0;
  std::string walk_forward;
  std::string rank = "sharpe";
  std::string where;
  std::int64_t top = 10;
};

void add_definition_options(CLI::App* cmd, SweepOptions& o);
// The definition of the options: -p, limits and the rank/filter checked (the grid is checked
// against the strategy when the sweep is prepared).
Expected<SweepDefinition> make_definition(const Context& ctx, const SweepOptions& o);

}  // namespace aiots::cli
