// Stress scenarios: shocks injected into historical bars (every symbol alike, as a market-wide
// move), for `aiots stress`. Pure functions: the bars go in, the shocked bars come out.
//
//   gap:-20%           from the shock bar on, every price is 20% lower (the gap opens the bar)
//   crash:1987         a recorded crash's daily moves replayed from the shock bar (also 2008,
//                      2020); for intraday bars each move applies at the first bar of a new day
//   vol:3x[/N]         the next N bars (default 20) move 3 times as much bar to bar
//   flash-crash:-9%/15m  prices fall 9% and come back within 15 minutes (a bar longer than that
//                      gets the fall in its low only)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"
#include "util/error.hpp"

namespace aiots::risk {

struct Scenario {
  enum class Kind { Gap, Crash, Volatility, FlashCrash };
  Kind kind = Kind::Gap;
  std::string text;                 // as given
  double move = 0;                  // gap/flash-crash: -0.20
  std::vector<double> daily_moves;  // crash: close-to-close moves, in order
  double factor = 1;                // vol: 3
  std::int64_t bars = 20;           // vol: how many bars
  std::int64_t seconds = 0;         // flash-crash: duration
};

// Parses one scenario text; a usage error names what is wrong and lists the forms.
Expected<Scenario> parse_scenario(std::string_view text);
// The crashes crash:NAME knows, as "name: description" lines.
std::vector<std::string> known_crashes();

// Applies `scenario` to `bars` (ascending) from the first bar at or after `at`; returns the
// index of that bar, or nullopt when no bar is that late.
std::optional<std::size_t> apply_scenario(const Scenario& scenario, std::vector<Bar>& bars, Timestamp at,
                                          Timeframe timeframe);

}  // namespace aiots::risk
