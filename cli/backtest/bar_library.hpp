// Bar series loaded once and read by many runs: a sweep's workers share one library, so each
// series is read from the store or a file once per process, not once per run.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "context.hpp"
#include "engine/bars/bar.hpp"
#include "engine/bars/timeframe.hpp"
#include "engine/core/bar_feed.hpp"

namespace aiots::cli {

// True when a --data item names a file rather than a stored symbol.
bool is_data_file(const std::string& s);

struct LoadedSeries {
  std::string symbol;
  Timeframe timeframe;
  std::vector<Bar> bars;  // ascending
  std::string sha256;     // of the symbol and its bars, as a backtest's manifest hashes them
};

class BarLibrary {
public:
  // Loads `data` as a backtest reads it: stored symbols, or one CSV file (each of its series
  // under its symbol). Read-only afterwards, so threads may share it.
  static Expected<BarLibrary> load(const Context& ctx, const std::vector<std::string>& data, const std::string& timeframe,
                                   bool wide = false);
  // Adds the series of one CSV file (a plan's exported data: `symbol` names its one series).
  Expected<void> add_file(const std::string& path, const std::string& timeframe, const std::string& symbol = "",
                          bool wide = false);

  // The series of `symbol` (upper case), or null.
  const LoadedSeries* find(const std::string& symbol) const;
  // The symbols held, in the order they were loaded.
  std::vector<std::string> symbols() const;
  // The bars of `symbol` within [from, to] (either end open).
  static std::span<const Bar> slice(const LoadedSeries& series, std::optional<Timestamp> from,
                                    std::optional<Timestamp> to);

private:
  Expected<void> add(LoadedSeries series);
  std::vector<LoadedSeries> m_series;
  std::map<std::string, std::size_t> m_index;
};

}  // namespace aiots::cli
