// A sweep split over hosts (Slurm job arrays): `sweep plan` writes a self-describing directory
// (the definition, the strategy, the bars as CSV), `sweep run-shard` runs one shard of it into
// its own results file (no SQLite shared across hosts), and `sweep merge` stores every shard's
// results as one sweep and ranks them as a local sweep would.
#pragma once

#include <CLI/CLI.hpp>

#include "context.hpp"
#include "sweep/sweep_options.hpp"

namespace aiots::cli {

void setup_sweep_shards(CLI::App& sweep, Context& ctx);

}  // namespace aiots::cli
