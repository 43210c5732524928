// Rolling maximum and minimum over a window: monotonic queue, amortised O(1), no allocation.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/indicators/moving_averages.hpp"

namespace aiots {

// Keeps, for the last `n` values, the candidates for the extremum in `Better` order; the front
// is the extremum. The queue never holds more than n entries; its ring has a power-of-two size
// so that wrapping is a mask.
template <class Better>
class RollingExtremum {
public:
  explicit RollingExtremum(int n)
      : m_mask(std::bit_ceil(static_cast<std::size_t>(n)) - 1),
        m_slots(std::make_unique<Slot[]>(m_mask + 1)),
        m_n(n) {}
  // Adds `x` and returns the extremum of the last n values (NaN until n values were seen).
  double update(double x) {
    // Drop the front if it falls out of the window that `x` completes, before pushing.
    if (m_size > 0 && m_slots[m_head].index + m_n <= m_count) {
      m_head = (m_head + 1) & m_mask;
      --m_size;
    }
    const Better better;
    while (m_size > 0 && !better(m_slots[(m_head + m_size - 1) & m_mask].value, x)) {
      --m_size;
    }
    m_slots[(m_head + m_size) & m_mask] = Slot{x, m_count};
    ++m_size;
    ++m_count;
    return m_count >= m_n ? m_slots[m_head].value : k_nan;
  }
  bool ready() const { return m_count >= m_n; }

private:
  struct Slot {
    double value;
    std::int64_t index;
  };
  std::size_t m_mask;
  std::unique_ptr<Slot[]> m_slots;
  std::int64_t m_n;
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
