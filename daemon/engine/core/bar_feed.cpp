#include "engine/core/bar_feed.hpp"

#include <algorithm>
#include <limits>

namespace aiots {

void feed_bars(Engine& engine, std::span<const std::vector<Bar>> series) {
  if (series.size() == 1) {
    // One symbol: no merging needed; this is the hot path of single-symbol backtests.
    engine.reserve(series[0].size());
    std::vector<SymbolBar> group;
    for (const Bar& bar : series[0]) {
      if (!engine.running()) {
        return;
      }
      group.assign(1, SymbolBar{0, bar});
      engine.process(group);
    }
    return;
  }
  Engine* const one[] = {&engine};
  feed_bars(std::span<Engine* const>(one), series);
}

void feed_bars(std::span<Engine* const> engines, std::span<const std::vector<Bar>> series) {
  std::vector<std::size_t> next(series.size(), 0);
  std::vector<SymbolBar> group;
  group.reserve(series.size());
  std::size_t longest = 0;
  for (const auto& s : series) {
    longest = std::max(longest, s.size());
  }
  for (Engine* e : engines) e->reserve(longest);
  const auto any_running = [&] {
    return std::any_of(engines.begin(), engines.end(), [](const Engine* e) { return e->running(); });
  };
  while (any_running()) {
    Timestamp ts = std::numeric_limits<Timestamp>::max();
    for (std::size_t s = 0; s < series.size(); ++s) {
      if (next[s] < series[s].size()) {
        ts = std::min(ts, series[s][next[s]].ts);
      }
    }
    if (ts == std::numeric_limits<Timestamp>::max()) {
      return;
    }
    group.clear();
    for (std::size_t s = 0; s < series.size(); ++s) {
      if (next[s] < series[s].size() && series[s][next[s]].ts == ts) {
        group.push_back(SymbolBar{static_cast<SymbolId>(s), series[s][next[s]++]});
      }
    }
    for (Engine* e : engines) e->process(group);
  }
}

}  // namespace aiots
