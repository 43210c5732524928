// What the engine knows about a tradable symbol.
#pragma once

#include <string>

#include "engine/bars/timeframe.hpp"

namespace aiots {

struct Instrument {
  std::string symbol;
  double multiplier = 1;     // contract multiplier (100 for equity options)
  double tick_size = 0.01;   // for tick-based slippage
  Timeframe timeframe;       // of the bars that drive it (DAY orders need the session length)
};

}  // namespace aiots
