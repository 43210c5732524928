// Rolling dispersion and change: standard deviation, realized volatility, rate of change.
#pragma once

#include <cmath>

#include "engine/indicators/moving_averages.hpp"

namespace aiots {

// Rolling standard deviation over `n` values, sample (n-1) or population (n).
// Variance comes from exact sums of x and x^2 in double-double, so the cancellation in
// n*Q - S^2 keeps ~16 digits even for prices far from zero, and nothing drifts over time.
class RollingStdDev {
public:
  RollingStdDev(int n, bool sample) : m_window(static_cast<std::size_t>(n)), m_n(n), m_sample(sample) {}
  double update(double x) {
    const double old = m_window.push(x);
    m_sum.roll(x, old);
    m_squares.add(numeric::two_prod(x, x));
    m_squares.subtract(numeric::two_prod(old, old));
    if (!m_window.full()) {
      return m_value;
    }
    using namespace numeric;
    const DoubleDouble s = m_sum.exact();
    const DoubleDouble nq = dd_mul(m_squares.exact(), {m_n, 0});
    const DoubleDouble ss = dd_mul(s, s);
    const double spread = dd_add(nq, {-ss.hi, -ss.lo}).hi;  // n^2 * population variance
    const double var = spread / (m_n * (m_sample ? m_n - 1 : m_n));
    m_value = var > 0 ? std::sqrt(var) : 0.0;
    return m_value;
  }
  double value() const { return m_value; }
  // Returns the window mean (valid once ready).
  double mean() const { return m_sum.value() / m_n; }
  bool ready() const { return m_window.full(); }

private:
  Ring<double> m_window;
  numeric::ExactSum m_sum;
  numeric::ExactSum m_squares;
  double m_n;
  bool m_sample;
  double m_value = k_nan;
};

// Annualised realized volatility: sample sd of the last `n` log returns times
// sqrt(`periods_per_year`). First value after n+1 prices.
class RealizedVolatility {
public:
  RealizedVolatility(int n, double periods_per_year)
      : m_sd(n, true), m_scale(std::sqrt(periods_per_year)) {}
  double update(double price) {
    if (m_has_prev) {
      m_value = m_sd.update(std::log(price / m_prev)) * m_scale;
    }
    m_prev = price;
    m_has_prev = true;
    return m_value;
  }
  double value() const { return m_value; }

private:
  RollingStdDev m_sd;
  double m_scale;
  double m_prev = 0;
  bool m_has_prev = false;
  double m_value = k_nan;
};

// Rate of change over `n` values: log(x/x[t-n]) when `continuous` (TTR's default), else
// x/x[t-n] - 1. Not multiplied by 100.
class Roc {
public:
  Roc(int n, bool continuous) : m_window(static_cast<std::size_t>(n)), m_continuous(continuous) {}
  double update(double x) {
    // The ring keeps log(x) in continuous mode so that each update takes one log, not two.
    const double v = m_continuous ? std::log(x) : x;
    const bool had_n = m_window.full();
    const double old = m_window.push(v);
    if (had_n) {
      m_value = m_continuous ? v - old : x / old - 1;
    }
    return m_value;
  }
  double value() const { return m_value; }

private:
  Ring<double> m_window;
  bool m_continuous;
  double m_value = k_nan;
};

}  // namespace aiots
