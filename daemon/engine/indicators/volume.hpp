// Volume-weighted indicators: rolling VWAP and on-balance volume.
#pragma once

#include "engine/indicators/moving_averages.hpp"

namespace aiots {

// Rolling VWAP over `n` bars: sum(price*volume)/sum(volume), both sums exact (TTR's VWAP
// uses the close as price). NaN while the window's volume is zero.
class Vwap {
public:
  explicit Vwap(int n) : m_window(static_cast<std::size_t>(n)) {}
  double update(double price, double volume) {
    // The ring keeps each bar's exact price*volume, so a step multiplies once, not twice.
    const Entry entry{volume, numeric::two_prod(price, volume)};
    const Entry old = m_window.push(entry);
    m_pv.add(entry.pv);
    m_pv.subtract(old.pv);
    m_v.roll(volume, old.volume);
    if (m_window.full()) {
      const double v = m_v.value();
      m_value = v != 0 ? m_pv.value() / v : k_nan;
    }
    return m_value;
  }
  double value() const { return m_value; }

private:
  struct Entry {
    double volume = 0;
    numeric::DoubleDouble pv;
  };
  Ring<Entry> m_window;
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
