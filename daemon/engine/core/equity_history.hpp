// What a run keeps of its equity curve. Metrics need only the last point of each day, the risk
// report the last few hundred points and the report's charts a few thousand, so a long run
// keeps those (memory bounded by days, not bars); every point is kept only when asked for
// (an `--equity` export, a stress comparison). Both give the same metrics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/core/thinned.hpp"
#include "engine/core/tail.hpp"
#include "engine/trading/money.hpp"
#include "util/time.hpp"

namespace aiots {

struct EquityPoint {
  Timestamp ts = 0;
  Money equity;
};

// Daily points: the last (ts, value) of each UTC day of a curve.
struct DailySeries {
  std::vector<Timestamp> ts;
  std::vector<double> value;

  void add(Timestamp t, double v);
};

class EquityHistory {
public:
  // `keep_all`: every point too. `recent`: how many of the last points stay at hand.
  explicit EquityHistory(bool keep_all = true, std::size_t recent = 1024);

  void add(EquityPoint point, bool invested);
  // Room for `points` when every point is kept (ignored otherwise).
  void reserve(std::size_t points);

  std::size_t size() const { return m_count; }
  std::int64_t invested_points() const { return m_invested_points; }
  bool keeps_all() const { return m_keep_all; }
  // Every point and whether anything was held there: empty unless kept.
  std::span<const EquityPoint> all() const { return m_all; }
  const std::vector<bool>& invested() const { return m_invested; }
  const DailySeries& daily() const { return m_daily; }
  // The first point (none before the first bar).
  const EquityPoint* first() const { return m_count > 0 ? &m_first : nullptr; }
  // The equity of the last `n` points, oldest first (fewer when fewer are at hand).
  std::vector<double> recent_values(std::size_t n) const;
  // The curve for a chart: every point when kept, else at a bounded resolution.
  std::vector<EquityPoint> for_chart() const;

private:
  bool m_keep_all;
  std::size_t m_count = 0;
  std::int64_t m_invested_points = 0;
  EquityPoint m_first;
  std::vector<EquityPoint> m_all;
  std::vector<bool> m_invested;
  DailySeries m_daily;
  Tail<double> m_recent;
  Thinned<EquityPoint> m_chart;
};

}  // namespace aiots
