// Rolling maximum and minimum over a window: monotonic queue, amortised O(1), no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/indicators/moving_averages.hpp"

namespace aiots {

// Keeps, for the last `n` values, the candidates for the extremum in `Better` order; the front
// is the extremum. The queue never holds more than n entries, so its storage is fixed.
template <class Better>
class RollingExtremum {
public:
  explicit RollingExtremum(int n)
      : m_values(std::make_unique<double[]>(static_cast<std::size_t>(n))),
        m_index(std::make_unique<std::int64_t[]>(static_cast<std::size_t>(n))),
        m_n(static_cast<std::size_t>(n)) {}
  // Adds `x` and returns the extremum of the last n values (NaN until n values were seen).
  double update(double x) {
    // Drop the front if it falls out of the window that `x` completes, before pushing.
    if (m_size > 0 && m_index[m_head] + static_cast<std::int64_t>(m_n) <= m_count) {
      m_head = wrap(m_head + 1);
      --m_size;
    }
    const Better better;
    while (m_size > 0 && !better(m_values[wrap(m_head + m_size - 1)], x)) {
      --m_size;
    }
    const std::size_t tail = wrap(m_head + m_size);
    m_values[tail] = x;
    m_index[tail] = m_count;
    ++m_size;
    ++m_count;
    return ready() ? m_values[m_head] : k_nan;
  }
  bool ready() const { return m_count >= static_cast<std::int64_t>(m_n); }

private:
  std::size_t wrap(std::size_t i) const { return i >= m_n ? i - m_n : i; }

  std::unique_ptr<double[]> m_values;
  std::unique_ptr<std::int64_t[]> m_index;
  std::size_t m_n;
  std::size_t m_head = 0;
  std::size_t m_size = 0;
  std::int64_t m_count = 0;
};

struct StrictlyGreater {
  bool operator()(double a, double b) const { return a > b; }
};
struct StrictlyLess {
  bool operator()(double a, double b) const { return a < b; }
};
using RollingMax = RollingExtremum<StrictlyGreater>;
using RollingMin = RollingExtremum<StrictlyLess>;

}  // namespace aiots
