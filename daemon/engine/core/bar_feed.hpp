// Feeds stored bars of several symbols to an engine in time order: the backtest's feed. (The
// daemon's live feed hands the engine the same SymbolBar groups as bars close.)
#pragma once

#include <span>
#include <vector>

#include "engine/core/engine.hpp"

namespace aiots {

// Runs `engine` over `series` (one ascending bar vector per symbol id), grouping bars that
// share a timestamp, until the data ends or the strategy fails.
void feed_bars(Engine& engine, std::span<const std::vector<Bar>> series);
// The same for several engines (strategies sharing an account), each given every group in
// turn, until the data ends or every strategy failed.
void feed_bars(std::span<Engine* const> engines, std::span<const std::vector<Bar>> series);

}  // namespace aiots
