// What a run keeps of a bar series once the engine has passed it: where it starts and ends, how
// many bars it had, the last closes (the risk report's returns) and the bars at a chart's
// resolution. Bounded whatever the series' length, so a run need not hold its bars.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/core/thinned.hpp"
#include "engine/core/tail.hpp"

namespace aiots {

class BarSummary {
public:
  // Keeps the last `closes` closes.
  explicit BarSummary(std::size_t closes = 1024) : m_closes(closes) {}

  void add(std::span<const Bar> bars) {
    for (const Bar& b : bars) {
      if (m_count == 0) m_first = b.ts;
      m_last = b.ts;
      ++m_count;
      m_closes.push(b.close);
      m_chart.add(b);
    }
  }

  std::size_t count() const { return m_count; }
  bool empty() const { return m_count == 0; }
  Timestamp first() const { return m_first; }
  Timestamp last() const { return m_last; }
  // The last `n` closes, oldest first (fewer when fewer are kept).
  std::vector<double> recent_closes(std::size_t n) const { return m_closes.last(n); }
  // The bars for a chart: every stride-th and the last.
  std::vector<Bar> chart() const { return m_chart.values(); }

private:
  std::size_t m_count = 0;
  Timestamp m_first = 0;
  Timestamp m_last = 0;
  Tail<double> m_closes;
  Thinned<Bar> m_chart;
};

}  // namespace aiots
