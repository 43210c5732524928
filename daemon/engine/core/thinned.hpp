// A long series kept at a bounded resolution, for charts: every `stride`-th value and the last,
// the stride doubling whenever 2 x capacity values are held. Deterministic (which values are
// kept depends only on how many came), and never more than 2 x capacity + 1 values in memory
// whatever the series' length.
#pragma once

#include <cstddef>
#include <vector>

namespace aiots {

template <class T>
class Thinned {
public:
  explicit Thinned(std::size_t capacity = 4096) : m_capacity(capacity < 1 ? 1 : capacity) {}

  void add(const T& value) {
    m_last = value;
    m_last_kept = m_seen % m_stride == 0;
    ++m_seen;
    if (!m_last_kept) return;
    m_kept.push_back(value);
    if (m_kept.size() < 2 * m_capacity) return;
    // Keep the values at multiples of twice the stride (indices 0, 2, 4, ... of those kept).
    std::size_t j = 0;
    for (std::size_t i = 0; i < m_kept.size(); i += 2) m_kept[j++] = m_kept[i];
    m_kept.resize(j);
    m_stride *= 2;
    m_last_kept = false;  // the value just added was an odd one: it is only `m_last` now
  }

  // The kept values in order, ending with the last value added.
  std::vector<T> values() const {
    std::vector<T> out = m_kept;
    if (m_seen > 0 && !m_last_kept) out.push_back(m_last);
    return out;
  }
  std::size_t seen() const { return m_seen; }
  std::size_t stride() const { return m_stride; }

private:
  std::size_t m_capacity;
  std::size_t m_stride = 1;
  std::size_t m_seen = 0;
  std::vector<T> m_kept;
  T m_last{};
  bool m_last_kept = false;
};

}  // namespace aiots
