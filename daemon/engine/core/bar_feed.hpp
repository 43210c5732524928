// Feeds bars of several symbols to engines in time order: the backtest's feed. (The daemon's
// live feed hands the engine the same SymbolBar groups as bars close.)
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/core/engine.hpp"

namespace aiots {

// Where a feed takes its bars from, a run of bars of one series at a time: a source may still
// be reading the later bars (from the store, on another thread) while the engine runs on the
// first. The engine itself does no I/O; sources are adapters.
class BarSource {
public:
  virtual ~BarSource() = default;
  virtual std::size_t series_count() const = 0;
  // The next bars of `series` in time order, after those returned before; empty once it has
  // no more. What it returns stays valid until the source is destroyed.
  virtual std::span<const Bar> next(std::size_t series) = 0;
  // About how many bars `series` holds (room reserved for per-bar records), 0 when unknown.
  virtual std::size_t expected(std::size_t series) const = 0;
};

// Bars already in memory (a run's vectors, or slices of a sweep's shared series): each series
// is handed out whole at the first call.
class SpanBarSource final : public BarSource {
public:
  explicit SpanBarSource(std::vector<std::span<const Bar>> series) : m_series(std::move(series)), m_given(m_series.size()) {}
  std::size_t series_count() const override { return m_series.size(); }
  std::span<const Bar> next(std::size_t series) override {
    if (m_given[series]) return {};
    m_given[series] = true;
    return m_series[series];
  }
  std::size_t expected(std::size_t series) const override { return m_series[series].size(); }
  const std::vector<std::span<const Bar>>& series() const { return m_series; }

private:
  std::vector<std::span<const Bar>> m_series;
  std::vector<bool> m_given;
};

// Runs `engine` over `series` (one ascending bar vector per symbol id), grouping bars that
// share a timestamp, until the data ends or the strategy fails.
void feed_bars(Engine& engine, std::span<const std::vector<Bar>> series);
// The same for several engines (strategies sharing an account), each given every group in
// turn, until the data ends or every strategy failed.
void feed_bars(std::span<Engine* const> engines, std::span<const std::vector<Bar>> series);
// The same from a source.
void feed_bars(std::span<Engine* const> engines, BarSource& source);

}  // namespace aiots
