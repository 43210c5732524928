// Volume-weighted indicators: rolling VWAP and on-balance volume.
#pragma once

#include "engine/indicators/moving_averages.hpp"

namespace aiots {

// Rolling VWAP over `n` bars: sum(price*volume)/sum(volume), both sums exact (TTR's VWAP
// uses the close as price). NaN while the window's volume is zero.
class Vwap {
public:
  explicit Vwap(int n) : m_prices(static_cast<std::size_t>(n)), m_volumes(static_cast<std::size_t>(n)) {}
  double update(double price, double volume) {
    const double old_p = m_prices.push(price);
    const double old_v = m_volumes.push(volume);
    m_pv.add(numeric::two_prod(price, volume));
    m_pv.subtract(numeric::two_prod(old_p, old_v));
    m_v.roll(volume, old_v);
    if (m_prices.full()) {
      m_value = m_v.value() != 0 ? m_pv.value() / m_v.value() : k_nan;
    }
    return m_value;
  }
  double value() const { return m_value; }

private:
  Ring<double> m_prices;
  Ring<double> m_volumes;
  numeric::ExactSum m_pv;
  numeric::ExactSum m_v;
  double m_value = k_nan;
};

// On-balance volume as TTR computes it: starts at the first bar's volume, then adds the
// volume on an up close, subtracts it on a down close, and holds on an unchanged close.
class Obv {
public:
  double update(double close, double volume) {
    if (!m_started) {
      m_sum.add(volume);
      m_started = true;
    } else if (close > m_prev) {
      m_sum.add(volume);
    } else if (close < m_prev) {
      m_sum.add(-volume);
    }
    m_prev = close;
    return m_sum.value();
  }
  double value() const { return m_started ? m_sum.value() : k_nan; }

private:
  numeric::ExactSum m_sum;
  double m_prev = 0;
  bool m_started = false;
};

}  // namespace aiots
