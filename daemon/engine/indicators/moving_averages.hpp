// Streaming moving averages: O(1) and allocation-free per update; NaN until warmed up.
#pragma once

#include <limits>

#include "engine/indicators/exact_sum.hpp"
#include "engine/indicators/ring.hpp"

namespace aiots {

inline constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// Simple moving average over `n` values, from an exact rolling sum (no drift; see ExactSum).
class Sma {
public:
  explicit Sma(int n) : m_window(static_cast<std::size_t>(n)), m_n(n) {}
  // Adds `x` and returns the average of the last n values.
  double update(double x) {
    m_sum.roll(x, m_window.push(x));
    m_value = m_window.full() ? m_sum.value() / m_n : k_nan;
    return m_value;
  }
  double value() const { return m_value; }
  bool ready() const { return m_window.full(); }

private:
  Ring<double> m_window;
  numeric::ExactSum m_sum;
  double m_n;
  double m_value = k_nan;
};

// Exponential moving average seeded, as TTR does, with the mean of the first `n` values:
// alpha = 2/(n+1), or 1/n with `wilder` (Wilder's RMA as used by RSI and ATR).
class Ema {
public:
  explicit Ema(int n, bool wilder = false)
      : m_n(n), m_alpha(wilder ? 1.0 / n : 2.0 / (n + 1.0)) {}
  // Adds `x` and returns the average (NaN for the first n-1 values).
  double update(double x) {
    if (m_count >= m_n) {
      m_value = x * m_alpha + m_value * (1 - m_alpha);
      return m_value;
    }
    m_seed += x / m_n;
    if (++m_count == m_n) {
      m_value = m_seed;
    }
    return m_value;
  }
  double value() const { return m_value; }
  bool ready() const { return m_count >= m_n; }

private:
  int m_n;
  double m_alpha;
  int m_count = 0;
  double m_seed = 0;
  double m_value = k_nan;
};

// Linearly weighted moving average: the newest of `n` values weighs n, the oldest 1.
// The weighted sum updates in O(1) as W' = W - S + n*x, both sums kept exact.
class Wma {
public:
  explicit Wma(int n)
      : m_window(static_cast<std::size_t>(n)), m_n(n), m_divisor(n * (n + 1.0) / 2) {}
  double update(double x) {
    if (m_window.full()) {
      m_weighted.subtract(m_sum.exact());
      m_weighted.add(numeric::two_prod(m_n, x));
    } else {
      m_weighted.add(numeric::two_prod(static_cast<double>(m_window.size() + 1), x));
    }
    m_sum.roll(x, m_window.push(x));
    m_value = m_window.full() ? m_weighted.value() / m_divisor : k_nan;
    return m_value;
  }
  double value() const { return m_value; }
  bool ready() const { return m_window.full(); }

private:
  Ring<double> m_window;
  numeric::ExactSum m_sum;
  numeric::ExactSum m_weighted;
  double m_n;
  double m_divisor;
  double m_value = k_nan;
};

}  // namespace aiots
