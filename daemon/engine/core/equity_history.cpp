#include "engine/core/equity_history.hpp"

#include <algorithm>

#include "util/reserve_hint.hpp"

namespace aiots {

void DailySeries::add(Timestamp t, double v) {
  if (!ts.empty() && day_number(ts.back()) == day_number(t)) {
    ts.back() = t;
    value.back() = v;
  } else {
    ts.push_back(t);
    value.push_back(v);
  }
}

EquityHistory::EquityHistory(bool keep_all, std::size_t recent)
    : m_keep_all(keep_all), m_recent(recent) {}

void EquityHistory::add(EquityPoint point, bool invested) {
  if (m_count == 0) m_first = point;
  ++m_count;
  m_invested_points += invested ? 1 : 0;
  m_daily.add(point.ts, point.equity.value());
  if (m_keep_all) {
    m_all.push_back(point);  // recent points and the chart are read from here
    m_invested.push_back(invested);
  } else {
    m_recent.push(point.equity.value());
    m_chart.add(point);
  }
}

void EquityHistory::reserve(std::size_t points) {
  if (!m_keep_all) return;
  reserve_hint(m_all, points);  // `points` may come from a store's row count
  reserve_hint(m_invested, points);
}

std::vector<double> EquityHistory::recent_values(std::size_t n) const {
  std::vector<double> out;
  if (m_keep_all) {
    const std::size_t from = m_all.size() > n ? m_all.size() - n : 0;
    out.reserve(m_all.size() - from);
    for (std::size_t i = from; i < m_all.size(); ++i) out.push_back(m_all[i].equity.value());
    return out;
  }
  return m_recent.last(n);
}

std::vector<EquityPoint> EquityHistory::for_chart() const {
  return m_keep_all ? m_all : m_chart.values();
}

}  // namespace aiots
