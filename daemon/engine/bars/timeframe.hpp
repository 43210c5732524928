// Bar intervals such as 1m, 30m, 1h, 1d, 1w; `tick` marks an unaggregated quote stream.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "util/time.hpp"

namespace aiots {

struct Timeframe {
  std::int64_t seconds = 0;  // 0 = tick

  static constexpr Timeframe tick() { return {0}; }
  bool is_tick() const { return seconds == 0; }
  // Daily and longer bars are labelled by session date, not by a time of day.
  bool is_daily_or_longer() const { return seconds >= 86'400; }
  Timestamp ns() const { return seconds * k_ns_per_second; }

  // Formats as the shortest unit that divides evenly: 90s -> "90s", 300 -> "5m", 604800 -> "1w".
  std::string to_string() const;
  // Parses "tick", "<N>s", "<N>m", "<N>h", "<N>d" or "<N>w" (N > 0); nullopt otherwise.
  static std::optional<Timeframe> parse(std::string_view text);

  friend bool operator==(Timeframe, Timeframe) = default;
  friend auto operator<=>(Timeframe, Timeframe) = default;
};

// Infers the bar interval of ascending `times`: the most common step, when at least half of
// the steps equal it (daily bars: weekends and holidays aside, most steps are one day; a step
// of 3 days over a weekend still counts as daily). Returns nullopt for irregular series.
std::optional<Timeframe> infer_timeframe(std::span<const Timestamp> times);

}  // namespace aiots
