// What the engine knows about a tradable symbol.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/bars/timeframe.hpp"
#include "engine/options/black_scholes.hpp"
#include "util/time.hpp"

namespace aiots {

using SymbolId = std::int32_t;

// An option contract on another instrument of the run.
struct OptionTerms {
  SymbolId underlying = 0;
  Timestamp expiry = 0;  // the instant it expires (16:00 New York for US equity options)
  double strike = 0;
  options::OptionType type = options::OptionType::Call;
  // At expiry an in-the-money contract is closed at its intrinsic value; with physical
  // settlement (US equity options) the holder also receives (call) or delivers (put) the
  // underlying at the strike, i.e. multiplier units at the underlying's closing price.
  bool physical = true;
};

struct Instrument {
  std::string symbol;
  double multiplier = 1;     // contract multiplier (100 for equity options)
  double tick_size = 0.01;   // for tick-based slippage
  Timeframe timeframe;       // of the bars that drive it (DAY orders need the session length)
  std::optional<OptionTerms> option = std::nullopt;  // set for option contracts
};

}  // namespace aiots
