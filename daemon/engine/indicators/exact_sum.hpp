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

#if !defined(__FMA__)
// Splits `a` exactly into a high part of 26 bits and the rest (Dekker), for exact products
// without hardware FMA.
inline DoubleDouble split(double a) {
  constexpr double k_split = 134217729.0;  // 2^27 + 1
  const double c = k_split * a;
  const double hi = c - (c - a);
  return {hi, a - hi};
}
#endif

// Returns p = fl(a * b) and the exact error. With hardware FMA (-mfma) one fused operation
// gives it; a portable build uses Dekker's splitting rather than a libm fma() call per product.
inline DoubleDouble two_prod(double a, double b) {
  const double p = a * b;
#if defined(__FMA__)
  return {p, std::fma(a, b, -p)};
#else
  const DoubleDouble x = split(a);
  const DoubleDouble y = split(b);
  return {p, ((x.hi * y.hi - p) + x.hi * y.lo + x.lo * y.hi) + x.lo * y.lo};
#endif
}

// Returns a*a exactly as a double-double (one split instead of two).
inline DoubleDouble two_square(double a) {
  const double p = a * a;
#if defined(__FMA__)
  return {p, std::fma(a, a, -p)};
#else
  const DoubleDouble x = split(a);
  return {p, ((x.hi * x.hi - p) + 2 * x.hi * x.lo) + x.lo * x.lo};
#endif
}

// Returns a*k exactly for an integer k below 2^26: k splits into itself, so only `a` is split.
inline DoubleDouble two_prod_small(double a, double k) {
  const double p = a * k;
#if defined(__FMA__)
  return {p, std::fma(a, k, -p)};
#else
  const DoubleDouble x = split(a);
  return {p, (x.hi * k - p) + x.lo * k};
#endif
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

// A running sum of doubles with every rounding error kept.
//
// `m_hi` is the plain floating-point running sum; TwoSum recovers the exact error of each
// addition into `m_lo`. The pair is not renormalised per step: that keeps only one addition on
// the loop-carried chain (renormalising would put a dozen dependent flops there). m_lo stays a
// few ulps of the sum, so its own rounding is ~2^-53 of that: after 1e9 updates still far below
// one ulp of the result.
class ExactSum {
public:
  // Adds `x` to the sum.
  void add(double x) {
    const DoubleDouble s = two_sum(m_hi, x);
    m_hi = s.hi;
    m_lo += s.lo;
  }
  // Replaces `old_x` by `new_x` in the sum: one rolling-window step.
  void roll(double new_x, double old_x) {
    const DoubleDouble a = two_sum(m_hi, new_x);
    const DoubleDouble b = two_sum(a.hi, -old_x);
    m_hi = b.hi;
    m_lo += a.lo + b.lo;
  }
  // Adds or subtracts the exact value `x` (a double-double, e.g. from two_prod).
  void add(DoubleDouble x) {
    const DoubleDouble s = two_sum(m_hi, x.hi);
    m_hi = s.hi;
    m_lo += s.lo + x.lo;
  }
  void subtract(DoubleDouble x) { add(DoubleDouble{-x.hi, -x.lo}); }

  // Returns the sum rounded to a double.
  double value() const { return m_hi + m_lo; }
  // Returns the sum as a normalised double-double.
  DoubleDouble exact() const { return two_sum(m_hi, m_lo); }
  // Returns the raw pair: the plain running sum and its accumulated exact error.
  DoubleDouble parts() const { return {m_hi, m_lo}; }

private:
  double m_hi = 0;
  double m_lo = 0;
};

}  // namespace aiots::numeric
