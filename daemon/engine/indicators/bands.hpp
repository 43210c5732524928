// Volatility bands and ranges: Bollinger Bands and the average true range.
#pragma once

#include <algorithm>

#include "engine/indicators/statistics.hpp"

namespace aiots {

// Bollinger Bands over `n` with `k` population standard deviations around the SMA; feed the
// close, or the typical price (H+L+C)/3 as TTR does for an HLC input.
class Bollinger {
public:
  Bollinger(int n, double k) : m_sd(n, false), m_k(k) {}
  void update(double price) {
    const double sd = m_sd.update(price);
    if (!m_sd.ready()) {
      return;
    }
    m_mid = m_sd.mean();
    m_upper = m_mid + m_k * sd;
    m_lower = m_mid - m_k * sd;
    m_pct_b = (price - m_lower) / (m_upper - m_lower);
  }
  double lower() const { return m_lower; }
  double middle() const { return m_mid; }
  double upper() const { return m_upper; }
  double percent_b() const { return m_pct_b; }

private:
  RollingStdDev m_sd;
  double m_k;
  double m_lower = k_nan;
  double m_mid = k_nan;
  double m_upper = k_nan;
  double m_pct_b = k_nan;
};

// Average true range over `n` (Wilder-smoothed, seeded with the mean of the first n true
// ranges). As in TTR, the first bar has no true range: it needs a previous close.
class Atr {
public:
  explicit Atr(int n) : m_avg(n, true) {}
  double update(double high, double low, double close) {
    if (m_has_prev) {
      m_true_high = std::max(high, m_prev_close);
      m_true_low = std::min(low, m_prev_close);
      m_tr = m_true_high - m_true_low;
      m_avg.update(m_tr);
    }
    m_prev_close = close;
    m_has_prev = true;
    return m_avg.value();
  }
  double value() const { return m_avg.value(); }
  double true_range() const { return m_tr; }
  double true_high() const { return m_true_high; }
  double true_low() const { return m_true_low; }

private:
  Ema m_avg;
  double m_prev_close = 0;
  bool m_has_prev = false;
  double m_tr = k_nan;
  double m_true_high = k_nan;
  double m_true_low = k_nan;
};

}  // namespace aiots
