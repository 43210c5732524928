// Momentum oscillators: RSI, MACD and the stochastic oscillator.
#pragma once

#include <cmath>

#include "engine/indicators/moving_averages.hpp"
#include "engine/indicators/rolling_extremum.hpp"

namespace aiots {

// Wilder's RSI over `n`: Wilder-smoothed up and down moves, each seeded with the mean of the
// first n changes; first value at the (n+1)-th price. 50 when the window has no movement.
class Rsi {
public:
  explicit Rsi(int n) : m_up(n, true), m_down(n, true) {}
  double update(double x) {
    if (m_has_prev) {
      const double d = x - m_prev;
      const double au = m_up.update(d > 0 ? d : 0.0);
      const double ad = m_down.update(d < 0 ? -d : 0.0);
      if (m_up.ready()) {
        m_value = au + ad > 0 ? 100 * au / (au + ad) : 50.0;
      }
    }
    m_prev = x;
    m_has_prev = true;
    return m_value;
  }
  double value() const { return m_value; }

private:
  Ema m_up;
  Ema m_down;
  double m_prev = 0;
  bool m_has_prev = false;
  double m_value = k_nan;
};

// MACD: fast EMA against slow EMA, as a percentage (100*(fast/slow - 1), TTR's default) or
// as an absolute difference (the platforms' usual MACD); the signal line is an EMA of MACD.
class Macd {
public:
  Macd(int fast, int slow, int signal, bool percent)
      : m_fast(fast), m_slow(slow), m_signal(signal), m_percent(percent) {}
  void update(double x) {
    const double f = m_fast.update(x);
    const double s = m_slow.update(x);
    if (m_slow.ready()) {
      m_macd = m_percent ? 100 * (f / s - 1) : f - s;
      m_signal.update(m_macd);
    }
  }
  double macd() const { return m_macd; }
  double signal() const { return m_signal.value(); }
  double histogram() const { return m_macd - m_signal.value(); }

private:
  Ema m_fast;
  Ema m_slow;
  Ema m_signal;
  bool m_percent;
  double m_macd = k_nan;
};

// Stochastic oscillator (TTR `stoch`): fastK = (close - lowest low) / (highest high - lowest
// low) over `n_k` bars as a fraction (0.5 when the range is empty), fastD = SMA(fastK, n_d),
// slowD = SMA(fastD, n_slow).
class Stochastic {
public:
  Stochastic(int n_k, int n_d, int n_slow) : m_high(n_k), m_low(n_k), m_fast_d(n_d), m_slow_d(n_slow) {}
  void update(double high, double low, double close) {
    const double hmax = m_high.update(high);
    const double lmin = m_low.update(low);
    if (!m_high.ready()) {
      return;
    }
    const double k = (close - lmin) / (hmax - lmin);
    m_fast_k = std::isfinite(k) ? k : 0.5;
    m_fast_d.update(m_fast_k);
    if (m_fast_d.ready()) {
      m_slow_d.update(m_fast_d.value());
    }
  }
  double fast_k() const { return m_fast_k; }
  double fast_d() const { return m_fast_d.value(); }
  double slow_d() const { return m_slow_d.value(); }

private:
  RollingMax m_high;
  RollingMin m_low;
  Sma m_fast_d;
  Sma m_slow_d;
  double m_fast_k = k_nan;
};

}  // namespace aiots
