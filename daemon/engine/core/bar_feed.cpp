#include "engine/core/bar_feed.hpp"

#include <algorithm>
#include <limits>

namespace aiots {
namespace {

bool any_running(std::span<Engine* const> engines) {
  return std::any_of(engines.begin(), engines.end(), [](const Engine* e) { return e->running(); });
}

// One symbol: no merging needed; this is the hot path of single-symbol backtests.
void feed_one(std::span<Engine* const> engines, BarSource& source) {
  std::vector<SymbolBar> group(1);
  for (std::span<const Bar> run = source.next(0); !run.empty(); run = source.next(0)) {
    for (const Bar& bar : run) {
      if (!any_running(engines)) return;
      group.front() = SymbolBar{0, bar};
      for (Engine* e : engines) e->process(group);
    }
  }
}

}  // namespace

void feed_bars(Engine& engine, std::span<const std::vector<Bar>> series) {
  Engine* const one[] = {&engine};
  feed_bars(std::span<Engine* const>(one), series);
}

void feed_bars(std::span<Engine* const> engines, std::span<const std::vector<Bar>> series) {
  SpanBarSource source(std::vector<std::span<const Bar>>(series.begin(), series.end()));
  feed_bars(engines, source);
}

void feed_bars(std::span<Engine* const> engines, BarSource& source) {
  const std::size_t count = source.series_count();
  std::size_t longest = 0;
  for (std::size_t s = 0; s < count; ++s) longest = std::max(longest, source.expected(s));
  for (Engine* e : engines) e->reserve(longest);
  if (count == 1) {
    feed_one(engines, source);
    return;
  }
  // Per series: the run being read and the position in it (an empty run: the series ended).
  std::vector<std::span<const Bar>> runs(count);
  std::vector<std::size_t> next(count, 0);
  for (std::size_t s = 0; s < count; ++s) runs[s] = source.next(s);
  const auto refill = [&](std::size_t s) {
    if (next[s] == runs[s].size() && !runs[s].empty()) {
      runs[s] = source.next(s);
      next[s] = 0;
    }
  };
  std::vector<SymbolBar> group;
  group.reserve(count);
  while (any_running(engines)) {
    Timestamp ts = std::numeric_limits<Timestamp>::max();
    for (std::size_t s = 0; s < count; ++s) {
      refill(s);
      if (next[s] < runs[s].size()) ts = std::min(ts, runs[s][next[s]].ts);
    }
    if (ts == std::numeric_limits<Timestamp>::max()) return;
    group.clear();
    for (std::size_t s = 0; s < count; ++s) {
      if (next[s] < runs[s].size() && runs[s][next[s]].ts == ts) {
        group.push_back(SymbolBar{static_cast<SymbolId>(s), runs[s][next[s]++]});
      }
    }
    for (Engine* e : engines) e->process(group);
  }
}

}  // namespace aiots
