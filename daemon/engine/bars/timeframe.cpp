#include "engine/bars/timeframe.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace aiots {

std::string Timeframe::to_string() const {
  if (seconds == 0) {
    return "tick";
  }
  struct Unit {
    std::int64_t seconds;
    char suffix;
  };
  static constexpr Unit k_units[] = {{604'800, 'w'}, {86'400, 'd'}, {3'600, 'h'}, {60, 'm'}, {1, 's'}};
  for (const Unit& u : k_units) {
    if (seconds % u.seconds == 0) {
      return std::to_string(seconds / u.seconds) + u.suffix;
    }
  }
  return std::to_string(seconds) + "s";
}

std::optional<Timeframe> Timeframe::parse(std::string_view text) {
  if (text == "tick") {
    return tick();
  }
  if (text.size() < 2) {
    return std::nullopt;
  }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n <= 0 || n > 1'000'000) {
    return std::nullopt;
  }
  switch (text.back()) {
    case 's': return Timeframe{n};
    case 'm': return Timeframe{n * 60};
    case 'h': return Timeframe{n * 3'600};
    case 'd': return Timeframe{n * 86'400};
    case 'w': return Timeframe{n * 604'800};
    default: return std::nullopt;
  }
}

std::optional<Timeframe> infer_timeframe(std::span<const Timestamp> times) {
  if (times.size() < 2) {
    return std::nullopt;
  }
  // A sample of the first steps is enough: the step of a regular series shows early.
  const std::size_t n = std::min<std::size_t>(times.size() - 1, 4'096);
  std::map<Timestamp, std::size_t> counts;
  std::size_t weekend_steps = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Timestamp step = time_between(times[i], times[i + 1]);
    ++counts[step];
    // Friday -> Monday on daily bars.
    if (step == 3 * k_ns_per_day && iso_weekday(day_number(times[i])) == 5) {
      ++weekend_steps;
    }
  }
  auto best = std::max_element(counts.begin(), counts.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  std::size_t regular = best->second;
  if (best->first == k_ns_per_day) {
    regular += weekend_steps;
  }
  if (best->first <= 0 || best->first % k_ns_per_second != 0 || regular * 2 < n) {
    return std::nullopt;
  }
  return Timeframe{best->first / k_ns_per_second};
}

}  // namespace aiots
