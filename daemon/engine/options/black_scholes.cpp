#include "engine/options/black_scholes.hpp"

#include <algorithm>
#include <cmath>

namespace aiots::options {
namespace {

constexpr double k_inv_sqrt_2pi = 0.398942280401432677939946059934;
constexpr double k_inv_sqrt_2 = 0.707106781186547524400844362105;

// Quantities shared by the price and every Greek. `n1` and `n2` are N(d1) and N(d2) for a call,
// N(-d1) and N(-d2) for a put: each type needs only its own pair (the distribution function is
// the costliest call here; computing both pairs nearly doubled the time of bs_greeks).
struct Terms {
  double sqrt_t, stddev, dq, df, forward, d1, d2, pdf_d1, n1, n2;
};

Terms terms(const BsInputs& in) {
  Terms t{};
  t.sqrt_t = std::sqrt(in.years);
  t.stddev = in.vol * t.sqrt_t;
  t.dq = std::exp(-in.dividend * in.years);
  t.df = std::exp(-in.rate * in.years);
  t.forward = in.spot * std::exp((in.rate - in.dividend) * in.years);
  // As QuantLib's BlackCalculator: d1 from the forward, prices as discount * (forward terms), so
  // that a price rounds the way the oracle's does (it matters where implied volatility is
  // ill-conditioned: deep in the money).
  t.d1 = std::log(t.forward / in.strike) / t.stddev + 0.5 * t.stddev;
  t.d2 = t.d1 - t.stddev;
  t.pdf_d1 = normal_pdf(t.d1);
  // N(x) or N(-x) directly, rather than 1 - N: the tail keeps its digits (normal_cdf).
  const bool call = in.type == OptionType::Call;
  t.n1 = normal_cdf(call ? t.d1 : -t.d1);
  t.n2 = normal_cdf(call ? t.d2 : -t.d2);
  return t;
}

// At expiry or without volatility: the discounted forward intrinsic value and its limits.
Greeks degenerate(const BsInputs& in) {
  Greeks g;
  const double dq = std::exp(-in.dividend * in.years);
  const double df = std::exp(-in.rate * in.years);
  const double forward_value = in.spot * dq;  // discounted forward
  const double strike_value = in.strike * df;
  const bool call = in.type == OptionType::Call;
  const double intrinsic = call ? forward_value - strike_value : strike_value - forward_value;
  if (intrinsic > 0) {
    g.price = intrinsic;
    g.delta = call ? dq : -dq;
    g.rho = call ? in.strike * in.years * df : -in.strike * in.years * df;
    g.dividend_rho = call ? -in.spot * in.years * dq : in.spot * in.years * dq;
    // Time passing moves the discounting of an in-the-money forward.
    g.theta = call ? in.dividend * forward_value - in.rate * strike_value : in.rate * strike_value - in.dividend * forward_value;
    g.charm = call ? in.dividend * dq : -in.dividend * dq;
  }
  return g;
}

// At expiry, without volatility, or with so little time or volatility (below 1e-12 years, about
// 30 microseconds, or a standard deviation below 1e-12) that d1 and the Greeks' divisions
// overflow (a subnormal vol, a T of 1e-270: found by fuzzing): the limits. What is left out is
// worth under 1e-12 of the forward.
bool no_diffusion(const BsInputs& in) {
  return !(in.years >= 1e-12) || !(in.vol * std::sqrt(in.years) >= 1e-12);
}

}  // namespace

std::string_view to_string(OptionType type) { return type == OptionType::Call ? "call" : "put"; }

std::optional<OptionType> parse_option_type(std::string_view text) {
  if (text == "call" || text == "c" || text == "C" || text == "Call" || text == "CALL") return OptionType::Call;
  if (text == "put" || text == "p" || text == "P" || text == "Put" || text == "PUT") return OptionType::Put;
  return std::nullopt;
}

const char* input_domain_error(const BsInputs& in) {
  const auto outside = [](double v, double lo, double hi) { return !(v >= lo && v <= hi); };
  if (outside(in.spot, k_min_price_input, k_max_price_input)) return "spot must be within 1e-6 .. 1e9";
  if (outside(in.strike, k_min_price_input, k_max_price_input)) return "strike must be within 1e-6 .. 1e9";
  if (outside(in.years, 0, k_max_years)) return "time to expiry must be within 0 .. 100 years";
  if (outside(in.rate, -k_max_rate, k_max_rate)) return "rate must be within -1 .. 1 (a fraction: 0.05 is 5%)";
  if (outside(in.dividend, -k_max_rate, k_max_rate)) return "dividend yield must be within -1 .. 1 (a fraction)";
  if (outside(in.vol, 0, k_max_vol)) return "volatility must be within 0 .. 10 (a fraction: 0.2 is 20%)";
  if (!(in.vol * std::sqrt(in.years) <= k_max_stddev)) return "volatility x sqrt(years) must be at most 10";
  return nullptr;
}

double normal_pdf(double x) { return k_inv_sqrt_2pi * std::exp(-0.5 * x * x); }

// Above zero as QuantLib does it, 0.5 (1 + erf), so that prices round alike; below zero through
// erfc, which keeps the relative precision of tiny tail values.
double normal_cdf(double x) {
  return x >= 0 ? 0.5 * (1.0 + std::erf(x * k_inv_sqrt_2)) : 0.5 * std::erfc(-x * k_inv_sqrt_2);
}

double bs_price(const BsInputs& in) {
  if (no_diffusion(in)) {
    return degenerate(in).price;
  }
  const double sqrt_t = std::sqrt(in.years);
  const double stddev = in.vol * sqrt_t;
  const double df = std::exp(-in.rate * in.years);
  const double forward = in.spot * std::exp((in.rate - in.dividend) * in.years);
  const double d1 = std::log(forward / in.strike) / stddev + 0.5 * stddev;
  const double d2 = d1 - stddev;
  if (in.type == OptionType::Call) {
    return df * (forward * normal_cdf(d1) - in.strike * normal_cdf(d2));
  }
  return df * (in.strike * normal_cdf(-d2) - forward * normal_cdf(-d1));
}

Greeks bs_greeks(const BsInputs& in) {
  if (no_diffusion(in)) {
    return degenerate(in);
  }
  const Terms t = terms(in);
  const double S = in.spot;
  const double K = in.strike;
  const double T = in.years;
  const double sigma = in.vol;
  Greeks g;
  g.gamma = t.dq * t.pdf_d1 / (S * t.stddev);
  g.vega = S * t.dq * t.pdf_d1 * t.sqrt_t;
  g.vanna = -t.dq * t.pdf_d1 * t.d2 / sigma;
  g.vomma = g.vega * t.d1 * t.d2 / sigma;
  const double decay = -S * t.dq * t.pdf_d1 * sigma / (2 * t.sqrt_t);
  const double charm_common = t.dq * t.pdf_d1 * (2 * (in.rate - in.dividend) * T - t.d2 * t.stddev) / (2 * T * t.stddev);
  if (in.type == OptionType::Call) {
    g.price = t.df * (t.forward * t.n1 - K * t.n2);
    g.delta = t.dq * t.n1;
    g.theta = decay + in.dividend * S * t.dq * t.n1 - in.rate * K * t.df * t.n2;
    g.rho = K * T * t.df * t.n2;
    g.dividend_rho = -S * T * t.dq * t.n1;
    g.charm = in.dividend * t.dq * t.n1 - charm_common;
  } else {
    g.price = t.df * (K * t.n2 - t.forward * t.n1);
    g.delta = -t.dq * t.n1;
    g.theta = decay - in.dividend * S * t.dq * t.n1 + in.rate * K * t.df * t.n2;
    g.rho = -K * T * t.df * t.n2;
    g.dividend_rho = S * T * t.dq * t.n1;
    g.charm = -in.dividend * t.dq * t.n1 - charm_common;
  }
  return g;
}

double lower_bound(const BsInputs& in) {
  const double forward_value = in.spot * std::exp(-in.dividend * in.years);
  const double strike_value = in.strike * std::exp(-in.rate * in.years);
  return std::max(0.0, in.type == OptionType::Call ? forward_value - strike_value : strike_value - forward_value);
}

double upper_bound(const BsInputs& in) {
  return in.type == OptionType::Call ? in.spot * std::exp(-in.dividend * in.years) : in.strike * std::exp(-in.rate * in.years);
}

}  // namespace aiots::options
