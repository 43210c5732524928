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
  RollingStdDev(int n, bool sample)
      : m_window(static_cast<std::size_t>(n)),
        m_n(n),
        m_inv_n(1.0 / n),
        m_inv_denominator(1.0 / (static_cast<double>(n) * (sample ? n - 1 : n))) {}
  double update(double x) {
    // The ring keeps each value's exact square, so a step squares one value, not two.
    const Entry entry{x, numeric::two_square(x)};
    const Entry old = m_window.push(entry);
    m_sum.roll(x, old.x);
    m_squares.add(entry.square);
    m_squares.subtract(old.square);
    if (!m_window.full()) {
      return m_value;
    }
    // n*Q - S^2 = n*(qh + ql) - (sh + sl)^2, with the two large terms n*qh and sh^2 formed
    // exactly; their difference cancels without loss (Sterbenz) and the small terms follow.
    using namespace numeric;
    const DoubleDouble sum = m_sum.parts();
    const DoubleDouble squares = m_squares.parts();
    const DoubleDouble nq = two_prod_small(squares.hi, m_n);
    const DoubleDouble ss = two_square(sum.hi);
    const double spread = (nq.hi - ss.hi) + ((nq.lo - ss.lo) + (squares.lo * m_n - 2 * sum.hi * sum.lo) -
                                              sum.lo * sum.lo);  // n^2 * population variance
    m_value = spread > 0 ? std::sqrt(spread * m_inv_denominator) : 0.0;
    return m_value;
  }
  double value() const { return m_value; }
  // Returns the window mean (valid once ready).
  double mean() const { return m_sum.value() * m_inv_n; }
  bool ready() const { return m_window.full(); }

private:
  struct Entry {
    double x = 0;
    numeric::DoubleDouble square;
  };
  Ring<Entry> m_window;
  numeric::ExactSum m_sum;
  numeric::ExactSum m_squares;
  double m_n;
  double m_inv_n;
  double m_inv_denominator;
  double m_value = k_nan;
};

// Annualised realized volatility: sample sd of the last `n` log returns times
// sqrt(`periods_per_year`). First value after n+1 prices.
//
// Unlike prices, log returns are centred near zero (mean^2 is a tiny fraction of the variance),
// so S^2/n cancels nothing in Q - S^2/n: exact sums of r and r*r are enough, with no
// double-double products. That leaves the one log per update as the main cost.
class RealizedVolatility {
public:
  RealizedVolatility(int n, double periods_per_year)
      : m_window(static_cast<std::size_t>(n)), m_n(n), m_scale(std::sqrt(periods_per_year / (n - 1.0))) {}
  double update(double price) {
    if (m_has_prev) {
      const double r = std::log(price / m_prev);
      const double old = m_window.push(r);
      m_sum.roll(r, old);
      m_squares.roll(r * r, old * old);
      if (m_window.full()) {
        const double s = m_sum.value();
        const double spread = m_squares.value() - s * s / m_n;  // (n-1) * sample variance
        m_value = spread > 0 ? std::sqrt(spread) * m_scale : 0.0;
      }
    }
    m_prev = price;
    m_has_prev = true;
    return m_value;
  }
  double value() const { return m_value; }

private:
  Ring<double> m_window;
  numeric::ExactSum m_sum;
  numeric::ExactSum m_squares;
  double m_n;
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
