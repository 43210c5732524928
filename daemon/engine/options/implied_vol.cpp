#include "engine/options/implied_vol.hpp"

#include <cmath>
#include <limits>

namespace aiots::options {
namespace {

constexpr double k_eps = std::numeric_limits<double>::epsilon();
constexpr int k_max_iterations = 100;

// The undiscounted Black price of the out-of-the-money option (call when K >= F) at total
// standard deviation s, and its derivative in s.
struct Otm {
  double forward, strike, x;  // x = ln(F/K)
  bool call;
  void at(double s, double& price, double& vega) const {
    const double d1 = x / s + 0.5 * s;
    const double d2 = d1 - s;
    price = call ? forward * normal_cdf(d1) - strike * normal_cdf(d2) : strike * normal_cdf(-d2) - forward * normal_cdf(-d1);
    vega = forward * normal_pdf(d1);
  }
};

}  // namespace

std::string_view to_string(IvStatus status) {
  switch (status) {
    case IvStatus::Ok: return "ok";
    case IvStatus::IllConditioned: return "ill_conditioned";
    case IvStatus::NoTimeValue: return "no_time_value";
    case IvStatus::BelowIntrinsic: return "below_intrinsic";
    case IvStatus::AboveUpperBound: return "above_upper_bound";
    case IvStatus::InvalidInput: return "invalid_input";
  }
  return "invalid_input";
}

bool is_error(IvStatus status) {
  return status == IvStatus::BelowIntrinsic || status == IvStatus::AboveUpperBound || status == IvStatus::InvalidInput;
}

bool can_invert(const BsInputs& in, double price) {
  return in.spot > 0 && in.strike > 0 && in.years > 0 && std::isfinite(in.spot) && std::isfinite(in.strike) &&
         std::isfinite(in.years) && std::isfinite(in.rate) && std::isfinite(in.dividend) && std::isfinite(price);
}

IvResult implied_vol(const BsInputs& in, double price) {
  IvResult out;
  if (!can_invert(in, price)) {
    return out;
  }
  const double df = std::exp(-in.rate * in.years);
  const double forward = in.spot * std::exp((in.rate - in.dividend) * in.years);
  const double K = in.strike;
  const double u = price / df;  // undiscounted price
  const bool call = in.type == OptionType::Call;
  const double intrinsic = std::max(0.0, call ? forward - K : K - forward);
  const double upper = call ? forward : K;
  const double noise = 4 * k_eps * (std::fabs(u) + intrinsic);
  if (u < intrinsic - noise) {
    out.status = IvStatus::BelowIntrinsic;
    return out;
  }
  if (u >= upper) {
    out.status = IvStatus::AboveUpperBound;
    return out;
  }
  // Time value: the price of the out-of-the-money option of the same strike (put-call parity).
  const double target = u - intrinsic;
  if (target <= noise) {
    out.status = IvStatus::NoTimeValue;
    return out;
  }
  const Otm otm{forward, K, std::log(forward / K), K >= forward};
  const double otm_upper = otm.call ? forward : K;
  if (target >= otm_upper) {
    out.status = IvStatus::AboveUpperBound;
    return out;
  }
  // b(s) is convex below the inflection point s* = sqrt(2|x|) and concave above it, and ln b(s)
  // is concave everywhere. So: a root above s* is found by Newton on b from s* (monotone from
  // the left); a root below it by Newton on ln b, starting from the small-s asymptote of b. At
  // the money s* = 0 and the start is b ~ F s / sqrt(2 pi), which lies left of the root too.
  // Each step is Halley's (Newton's corrected for curvature), kept inside the bracket.
  const double s_star = std::sqrt(2 * std::fabs(otm.x));
  double lo = 0;
  double hi = std::numeric_limits<double>::infinity();
  double b = 0;
  double vega = 0;
  double s = std::max(target * 2.5066282746310002 / std::min(forward, K), 1e-12);
  bool in_logs = false;
  if (s_star > 1e-6) {
    otm.at(s_star, b, vega);
    if (target >= b) {
      s = s_star;
      lo = s_star;
    } else {
      hi = s_star;
      in_logs = true;
      // The start: the small-s asymptote of the out-of-the-money price,
      //   ln b ~ ln sqrt(FK) - ln sqrt(2 pi) + 3 ln s - 2 ln|x| - x^2 / 2s^2 - s^2 / 8,
      // solved for s by a few fixed-point steps from its leading term. It lands close to the
      // root (two or three Halley steps instead of ten from the leading term alone); a start
      // right of the root is fine too: the bracket [0, s*] holds every step.
      const double log_ratio = std::log(target / std::min(forward, K));
      s = std::min(std::fabs(otm.x) / std::sqrt(-2 * std::min(log_ratio, -1e-3)), 0.5 * s_star);
      const double level = std::log(target) - 0.5 * std::log(forward * K) + 0.918938533204672742 +
                           2 * std::log(std::fabs(otm.x));
      for (int i = 0; i < 4; ++i) {
        const double denominator = 2 * (3 * std::log(s) - 0.125 * s * s - level);
        if (!(denominator > 0)) break;
        const double next = std::fabs(otm.x) / std::sqrt(denominator);
        if (!(next > 0 && next < s_star)) break;
        s = next;
      }
    }
  }
  for (int i = 1; i <= k_max_iterations; ++i) {
    out.iterations = i;
    otm.at(s, b, vega);
    if (b > target) {
      hi = s;
    } else {
      lo = s;
    }
    if (b == target) {
      break;
    }
    // Halley's step (cubic convergence): Newton's, corrected by the curvature of the function
    // solved, f = ln b - ln t or b - t. d vega / ds = vega d1 (x / s^2 - 1/2).
    double step = std::numeric_limits<double>::infinity();
    if (vega > 0 && (!in_logs || b > 0)) {
      const double d1 = otm.x / s + 0.5 * s;
      const double vega_slope = vega * d1 * (otm.x / (s * s) - 0.5);
      const double f = in_logs ? std::log(b) - std::log(target) : b - target;
      const double f1 = in_logs ? vega / b : vega;
      const double f2 = in_logs ? (vega_slope * b - vega * vega) / (b * b) : vega_slope;
      const double newton = -f / f1;
      const double damping = 1 + 0.5 * newton * f2 / f1;  // 1 - f f2 / (2 f1^2)
      step = damping > 0.5 && damping < 2 ? newton / damping : newton;
    }
    if (std::fabs(step) <= 2 * k_eps * s) {
      break;  // converged (checked first: a last step of rounding size must not reopen the bracket)
    }
    double next = s + step;
    if (!(next > lo && next < hi)) {
      next = std::isfinite(hi) ? 0.5 * (lo + hi) : 2 * s;  // bisect, or widen the bracket
      step = next - s;
    }
    s = next;
    // Once a step is below 1e-8 of s, the one just taken leaves an error of order 1e-16 (the
    // convergence is at least quadratic): stop, rather than chase the rounding noise of ln b.
    if (std::fabs(step) <= 1e-8 * s) {
      break;
    }
  }
  out.vol = s / std::sqrt(in.years);
  // In the money, polish on the price function itself: the out-of-the-money solve matched the
  // time value, whose subtraction from the price rounds differently from how the price was made.
  // Priced the way bs_price does it (discount * forward terms), with the parts that do not
  // depend on sigma computed once; Newton steps until one is below 1e-8 of sigma.
  const double sqrt_t = std::sqrt(in.years);
  if (intrinsic > 0) {
    const double dq = std::exp(-in.dividend * in.years);
    for (int i = 0; i < 4; ++i) {
      const double stddev = out.vol * sqrt_t;
      const double d1 = otm.x / stddev + 0.5 * stddev;
      const double d2 = d1 - stddev;
      const double value = call ? df * (forward * normal_cdf(d1) - K * normal_cdf(d2))
                                : df * (K * normal_cdf(-d2) - forward * normal_cdf(-d1));
      const double vega_sigma = in.spot * dq * normal_pdf(d1) * sqrt_t;
      if (!(vega_sigma > 0)) break;
      const double step = (value - price) / vega_sigma;
      const double next = out.vol - step;
      if (!(next > 0) || !std::isfinite(next)) break;
      out.vol = next;
      if (std::fabs(step) <= 1e-8 * out.vol) break;
    }
  }
  // The vega of the undiscounted out-of-the-money price at the solution, F phi(d1) d s / d sigma.
  const double s_final = out.vol * sqrt_t;
  vega = forward * normal_pdf(otm.x / s_final + 0.5 * s_final);
  // How far sigma moves for a one-ulp change of the price (and of the intrinsic value it is
  // measured against). Past 1e-9 a double price no longer pins sigma down to 1e-9: deep in the
  // money a whole interval of sigma prices to the same double. Such results are flagged.
  // When the vega underflows (a price of a few subnormals), sigma is unbounded: the uncertainty
  // is capped at the widest volatility the pricer takes, never an infinity or a NaN.
  double sigma_noise = k_eps * (std::fabs(u) + intrinsic) / (vega * sqrt_t);
  if (!(sigma_noise <= k_max_vol)) sigma_noise = k_max_vol;
  out.uncertainty = sigma_noise;
  out.status = std::isfinite(out.vol) && sigma_noise <= 1e-9 ? IvStatus::Ok : IvStatus::IllConditioned;
  if (!std::isfinite(out.vol)) {
    out.vol = 0;
  }
  return out;
}

}  // namespace aiots::options
