// Error-free floating-point building blocks and a running sum that does not drift.
//
// A rolling window sum updated as `s += new - old` accumulates one rounding error per step; over
// millions of bars that drift is enough to flip a moving-average crossover against a freshly
// summed window. ExactSum keeps the sum as an unevaluated pair hi + lo (double-double), with each
// rounding error captured exactly by TwoSum, so `value()` stays the correctly rounded window sum
// (to about 1e-30 relative) however long the stream runs.
#pragma once

#include <cmath>

namespace aiots::numeric {

// A value hi + lo with |lo| <= ulp(hi)/2.
struct DoubleDouble {
  double hi = 0;
  double lo = 0;
};

// Returns s = fl(a + b) and the exact error e, so that a + b == s + e (Knuth's TwoSum).
inline DoubleDouble two_sum(double a, double b) {
  const double s = a + b;
  const double bp = s - a;
  const double e = (a - (s - bp)) + (b - bp);
  return {s, e};
}

// Like two_sum, valid only when |a| >= |b| (Dekker's FastTwoSum).
inline DoubleDouble fast_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}

// Returns p = fl(a * b) and the exact error, using a fused multiply-add.
inline DoubleDouble two_prod(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};
}

// Adds `b` to the double-double `a`.
inline DoubleDouble dd_add(DoubleDouble a, DoubleDouble b) {
  DoubleDouble s = two_sum(a.hi, b.hi);
  s.lo += a.lo + b.lo;
  return fast_two_sum(s.hi, s.lo);
}

// Multiplies two double-doubles (the lo*lo term is below the precision kept).
inline DoubleDouble dd_mul(DoubleDouble a, DoubleDouble b) {
  DoubleDouble p = two_prod(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return fast_two_sum(p.hi, p.lo);
}

// A running sum of doubles kept in double-double precision.
class ExactSum {
public:
  // Adds `x` to the sum.
  void add(double x) {
    const DoubleDouble s = two_sum(m_sum.hi, x);
    m_sum = fast_two_sum(s.hi, m_sum.lo + s.lo);
  }
  // Replaces `old_x` by `new_x` in the sum: one rolling-window step.
  void roll(double new_x, double old_x) {
    const DoubleDouble a = two_sum(m_sum.hi, new_x);
    const DoubleDouble b = two_sum(a.hi, -old_x);
    m_sum = fast_two_sum(b.hi, m_sum.lo + (a.lo + b.lo));
  }
  // Adds the exact value `x` (already a double-double).
  void add(DoubleDouble x) { m_sum = dd_add(m_sum, x); }
  void subtract(DoubleDouble x) { m_sum = dd_add(m_sum, {-x.hi, -x.lo}); }

  // Returns the sum rounded to a double.
  double value() const { return m_sum.hi; }
  DoubleDouble exact() const { return m_sum; }
  void reset() { m_sum = {}; }

private:
  DoubleDouble m_sum;
};

}  // namespace aiots::numeric
