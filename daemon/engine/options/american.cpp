#include "engine/options/american.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace aiots::options {
namespace {

// The critical price above which (call) or below which (put) exercise is optimal, by the
// Newton iteration of Barone-Adesi and Whaley, seeded as in Haug's "Option Pricing Formulas".
double critical_price(const BsInputs& in, double q_root) {
  const double X = in.strike;
  const double T = in.years;
  const double sigma = in.vol;
  const double b = in.rate - in.dividend;
  const double sqrt_t = std::sqrt(T);
  const double carry = std::exp((b - in.rate) * T);
  const bool call = in.type == OptionType::Call;
  const double M = 2 * in.rate / (sigma * sigma);
  const double N = 2 * b / (sigma * sigma);
  const double root_inf = call ? (-(N - 1) + std::sqrt((N - 1) * (N - 1) + 4 * M)) / 2
                               : (-(N - 1) - std::sqrt((N - 1) * (N - 1) + 4 * M)) / 2;
  const double s_inf = X / (1 - 1 / root_inf);
  double s = call ? X + (s_inf - X) * (1 - std::exp(-(b * T + 2 * sigma * sqrt_t) * X / (s_inf - X)))
                  : s_inf + (X - s_inf) * std::exp((b * T - 2 * sigma * sqrt_t) * X / (X - s_inf));
  BsInputs at = in;
  for (int i = 0; i < 200; ++i) {
    at.spot = s;
    const double d1 = (std::log(s / X) + (b + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t);
    const double european = bs_price(at);
    if (call) {
      const double lhs = s - X;
      const double rhs = european + (1 - carry * normal_cdf(d1)) * s / q_root;
      const double slope = carry * normal_cdf(d1) * (1 - 1 / q_root) + (1 - carry * normal_pdf(d1) / (sigma * sqrt_t)) / q_root;
      if (std::fabs(lhs - rhs) / X < 1e-13) break;
      s = (X + rhs - slope * s) / (1 - slope);
    } else {
      const double lhs = X - s;
      const double rhs = european - (1 - carry * normal_cdf(-d1)) * s / q_root;
      const double slope = -carry * normal_cdf(-d1) * (1 - 1 / q_root) - (1 + carry * normal_pdf(-d1) / (sigma * sqrt_t)) / q_root;
      if (std::fabs(lhs - rhs) / X < 1e-13) break;
      s = (X - rhs + slope * s) / (1 + slope);
    }
  }
  return s;
}

// Peizer-Pratt inversion (method 2), the probability mapping of the Leisen-Reimer tree.
double peizer_pratt(double z, int n) {
  const double a = z / (n + 1.0 / 3.0 + 0.1 / (n + 1));
  const double root = std::sqrt(0.25 - 0.25 * std::exp(-a * a * (n + 1.0 / 6.0)));
  return z >= 0 ? 0.5 + root : 0.5 - root;
}

double payoff(const BsInputs& in, double spot) {
  return std::max(0.0, in.type == OptionType::Call ? spot - in.strike : in.strike - spot);
}

// Backward induction on a recombining binomial tree of n steps: from each node the price moves
// to price * up with probability p, else to price * down; one step discounts by `discount`.
double roll_back(const BsInputs& in, int n, double up, double down, double p, double discount, bool american) {
  // Node j of step k stands at S d^k (u/d)^j, built by multiplication (no pow in the loops).
  const double ratio = up / down;
  const double p_up = discount * p;
  const double p_down = discount * (1 - p);
  std::vector<double> lowest(static_cast<std::size_t>(n) + 1);
  lowest[0] = in.spot;
  for (std::size_t k = 1; k < lowest.size(); ++k) {
    lowest[k] = lowest[k - 1] * down;
  }
  std::vector<double> values(static_cast<std::size_t>(n) + 1);
  double node = lowest.back();
  for (double& v : values) {
    v = payoff(in, node);
    node *= ratio;
  }
  for (int step = n - 1; step >= 0; --step) {
    double price = lowest[static_cast<std::size_t>(step)];
    for (std::size_t k = 0; k <= static_cast<std::size_t>(step); ++k, price *= ratio) {
      const double hold = p_up * values[k + 1] + p_down * values[k];
      values[k] = american ? std::max(hold, payoff(in, price)) : hold;
    }
  }
  return values[0];
}

// Expiry or no volatility: the European value, or exercise now if that is worth more.
double degenerate_tree(const BsInputs& in, bool american) {
  return american ? std::max(bs_price(in), payoff(in, in.spot)) : bs_price(in);
}

// The tree's error falls like 1/steps and grows with the time to expiry: longer options get more
// steps (801 up to three months, 2401 beyond), which keeps it within 1e-3 of its limit on the
// grid of tests/unit/test_engine_options.cpp.
int default_steps(const BsInputs& in, int steps) { return steps > 0 ? steps : (in.years <= 0.25 ? 801 : 2401); }

}  // namespace

namespace {
double baw_formula(const BsInputs& in);
}  // namespace

// The quadratic approximation; where its coefficients overflow (tiny volatility with a large
// carry, or decades to expiry) the tree answers instead: never a NaN.
double baw_price(const BsInputs& in) {
  const double value = baw_formula(in);
  return std::isfinite(value) ? value : binomial_price(in, 801, true);
}

namespace {

double baw_formula(const BsInputs& in) {
  const double european = bs_price(in);
  const bool call = in.type == OptionType::Call;
  const double exercise = call ? in.spot - in.strike : in.strike - in.spot;
  // Below 1e-5 of standard deviation the quadratic's coefficients (2b / sigma^2) overflow;
  // there the option is worth its European or exercise value to far below a cent.
  if (in.years <= 0 || in.vol * std::sqrt(in.years) < 1e-5) {
    return std::max({european, exercise, 0.0});
  }
  // Without dividends a call is worth more alive; without interest a put is.
  if ((call && in.dividend <= 0) || (!call && in.rate <= 0)) {
    return european;
  }
  const double X = in.strike;
  const double T = in.years;
  const double sigma = in.vol;
  const double b = in.rate - in.dividend;
  const double N = 2 * b / (sigma * sigma);
  // M / K = 2r / (sigma^2 (1 - e^{-rT})), which tends to 2 / (sigma^2 T) as r goes to 0.
  const double m_over_k = std::fabs(in.rate * T) < 1e-12 ? 2 / (sigma * sigma * T)
                                                          : 2 * in.rate / (sigma * sigma * -std::expm1(-in.rate * T));
  const double carry = std::exp((b - in.rate) * T);
  const double disc = (N - 1) * (N - 1) + 4 * m_over_k;
  const double q_root = call ? (-(N - 1) + std::sqrt(disc)) / 2 : (-(N - 1) - std::sqrt(disc)) / 2;
  const double s_crit = critical_price(in, q_root);
  const double d1 = (std::log(s_crit / X) + (b + 0.5 * sigma * sigma) * T) / (sigma * std::sqrt(T));
  if (call) {
    if (in.spot >= s_crit) return in.spot - X;
    const double A2 = (s_crit / q_root) * (1 - carry * normal_cdf(d1));
    return european + A2 * std::pow(in.spot / s_crit, q_root);
  }
  if (in.spot <= s_crit) return X - in.spot;
  const double A1 = -(s_crit / q_root) * (1 - carry * normal_cdf(-d1));
  return european + A1 * std::pow(in.spot / s_crit, q_root);
}

}  // namespace

double american_price(const BsInputs& in, AmericanMethod method, int steps) {
  if (method == AmericanMethod::Baw) {
    return baw_price(in);
  }
  return binomial_price(in, default_steps(in, steps), true);
}

Greeks american_greeks(const BsInputs& in, AmericanMethod method, int steps) {
  steps = default_steps(in, steps);
  Greeks g;
  g.price = american_price(in, method, steps);
  const auto priced = [&](double ds, double dvol, double dt, double dr, double dq) {
    BsInputs x = in;
    x.spot += ds;
    x.vol += dvol;
    x.years = std::max(0.0, x.years + dt);
    x.rate += dr;
    x.dividend += dq;
    return american_price(x, method, steps);
  };
  // Trees are piecewise smooth in S: their bumps are wider than the approximation's.
  const bool tree = method == AmericanMethod::Tree;
  const double hs = (tree ? 1e-2 : 1e-4) * in.spot;
  const double hv = tree ? 1e-3 : 1e-4;
  const double ht = std::min(tree ? 1e-4 : 1e-5, 0.5 * in.years);
  const double hr = tree ? 1e-4 : 1e-5;
  const double up = priced(hs, 0, 0, 0, 0);
  const double down = priced(-hs, 0, 0, 0, 0);
  g.delta = (up - down) / (2 * hs);
  g.gamma = (up - 2 * g.price + down) / (hs * hs);
  const double vol_up = priced(0, hv, 0, 0, 0);
  const double vol_down = priced(0, -hv, 0, 0, 0);
  g.vega = (vol_up - vol_down) / (2 * hv);
  g.vomma = (vol_up - 2 * g.price + vol_down) / (hv * hv);
  g.theta = ht > 0 ? -(priced(0, 0, ht, 0, 0) - priced(0, 0, -ht, 0, 0)) / (2 * ht) : 0;
  g.rho = (priced(0, 0, 0, hr, 0) - priced(0, 0, 0, -hr, 0)) / (2 * hr);
  g.dividend_rho = (priced(0, 0, 0, 0, hr) - priced(0, 0, 0, 0, -hr)) / (2 * hr);
  g.vanna = (priced(hs, hv, 0, 0, 0) - priced(hs, -hv, 0, 0, 0) - priced(-hs, hv, 0, 0, 0) + priced(-hs, -hv, 0, 0, 0)) /
            (4 * hs * hv);
  if (ht > 0) {
    const double delta_later = (priced(hs, 0, -ht, 0, 0) - priced(-hs, 0, -ht, 0, 0)) / (2 * hs);
    const double delta_earlier = (priced(hs, 0, ht, 0, 0) - priced(-hs, 0, ht, 0, 0)) / (2 * hs);
    g.charm = (delta_later - delta_earlier) / (2 * ht);
  }
  return g;
}

double binomial_price(const BsInputs& in, int steps, bool american) {
  if (in.years <= 0 || in.vol <= 0) {
    return degenerate_tree(in, american);
  }
  const int n = steps % 2 == 0 ? steps + 1 : steps;
  const double dt = in.years / n;
  const double b = in.rate - in.dividend;
  const double stddev = in.vol * std::sqrt(in.years);
  const double d1 = (std::log(in.spot / in.strike) + (b + 0.5 * in.vol * in.vol) * in.years) / stddev;
  const double p = peizer_pratt(d1 - stddev, n);
  const double growth = std::exp(b * dt);
  const double up = growth * peizer_pratt(d1, n) / p;
  const double down = (growth - p * up) / (1 - p);
  return roll_back(in, n, up, down, p, std::exp(-in.rate * dt), american);
}

double crr_price(const BsInputs& in, int steps, bool american) {
  if (in.years <= 0 || in.vol <= 0) {
    return degenerate_tree(in, american);
  }
  const auto one = [&](int n) {
    const double dt = in.years / n;
    const double up = std::exp(in.vol * std::sqrt(dt));
    const double down = 1 / up;
    const double p = (std::exp((in.rate - in.dividend) * dt) - down) / (up - down);
    return roll_back(in, n, up, down, p, std::exp(-in.rate * dt), american);
  };
  return 0.5 * (one(steps) + one(steps + 1));
}

IvResult american_implied_vol(const BsInputs& in, double price, AmericanMethod method, int steps) {
  IvResult out;
  if (!can_invert(in, price)) {
    return out;
  }
  const bool call = in.type == OptionType::Call;
  // An American option is worth at least what exercising now pays, and at least the European.
  const double exercise_now = std::max(0.0, call ? in.spot - in.strike : in.strike - in.spot);
  BsInputs at = in;
  at.vol = 0;
  const double floor_value = std::max(exercise_now, american_price(at, method, steps));
  const double ceiling = call ? in.spot : in.strike;
  const double noise = 1e-12 * std::max(1.0, floor_value);
  if (price < floor_value - noise) {
    out.status = IvStatus::BelowIntrinsic;
    return out;
  }
  if (price >= ceiling) {
    out.status = IvStatus::AboveUpperBound;
    return out;
  }
  if (price <= floor_value + noise) {
    out.status = IvStatus::NoTimeValue;
    return out;
  }
  const auto excess = [&](double vol) {
    ++out.iterations;
    at.vol = vol;
    return american_price(at, method, steps) - price;
  };
  // Bracket: the value rises with volatility; 1e-6 is as good as no volatility for a price
  // above the floor, and doubling reaches any price below the ceiling within a few steps.
  double lo = 1e-6, hi = 1.0;
  double f_lo = excess(lo), f_hi = excess(hi);
  if (!std::isfinite(f_lo) || !std::isfinite(f_hi)) return out;  // invalid_input: the pricer has no value here
  while (f_hi < 0 && hi < 1e3) {
    lo = hi;
    f_lo = f_hi;
    hi *= 2;
    f_hi = excess(hi);
  }
  if (f_hi < 0 || f_lo > 0) {
    out.status = f_hi < 0 ? IvStatus::AboveUpperBound : IvStatus::NoTimeValue;
    return out;
  }
  // Illinois: regula falsi that halves the weight of an end kept twice, so it cannot stall.
  int kept = 0;
  for (int i = 0; i < 200 && hi - lo > 1e-10; ++i) {
    const double x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
    const double mid = (x > lo && x < hi) ? x : 0.5 * (lo + hi);
    const double f = excess(mid);
    if (f == 0) {
      lo = hi = mid;
      break;
    }
    if ((f < 0) == (f_lo < 0)) {
      lo = mid;
      f_lo = f;
      if (kept == -1) f_hi *= 0.5;
      kept = -1;
    } else {
      hi = mid;
      f_hi = f;
      if (kept == 1) f_lo *= 0.5;
      kept = 1;
    }
    if (std::abs(f) < 1e-13 * std::max(1.0, price)) {
      lo = hi = mid;
      break;
    }
  }
  out.vol = 0.5 * (lo + hi);
  out.uncertainty = hi - lo;
  out.status = out.uncertainty > 1e-9 ? IvStatus::IllConditioned : IvStatus::Ok;
  return out;
}

}  // namespace aiots::options
