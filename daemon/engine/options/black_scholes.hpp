// Black-Scholes-Merton for European options on an underlying with a continuous dividend yield:
// price and Greeks in closed form. Conventions are QuantLib's (tests/data/oracle-ql/CONVENTIONS.md): rates and the
// dividend yield continuously compounded, T a plain year fraction, vega and rho per 1.00 (not per
// point), theta per year of calendar time (-dV/dT), charm per year (-dDelta/dT). Checked
// against QuantLib in tests/unit/test_engine_options.cpp.
#pragma once

#include <optional>
#include <string_view>

namespace aiots::options {

enum class OptionType { Call, Put };

std::string_view to_string(OptionType type);
std::optional<OptionType> parse_option_type(std::string_view text);

struct BsInputs {
  OptionType type = OptionType::Call;
  double spot = 0;    // S > 0
  double strike = 0;  // K > 0
  double years = 0;   // T >= 0
  double rate = 0;    // r, continuously compounded
  double dividend = 0;  // q, continuous yield
  double vol = 0;     // sigma >= 0
};

struct Greeks {
  double price = 0;
  double delta = 0;         // dV/dS
  double gamma = 0;         // d2V/dS2
  double vega = 0;          // dV/dsigma, per 1.00
  double theta = 0;         // dV/dt per year (= -dV/dT)
  double rho = 0;           // dV/dr per 1.00
  double dividend_rho = 0;  // dV/dq per 1.00
  double vanna = 0;         // d2V/dS dsigma
  double charm = 0;         // dDelta/dt per year (= -dDelta/dT)
  double vomma = 0;         // d2V/dsigma2
};

// The inputs the pricer is computed for in double precision without overflow: spot and strike
// in [1e-6, 1e9], T in [0, 100] years, |rate| and |dividend| at most 1 (100%), vol in [0, 10]
// (1000%), and vol * sqrt(T) at most 10 (1000% for a year, 100% for a century). Returns nullptr when `in` lies inside, else a static text saying which input does not
// (static: Lua bindings raise it by longjmp, which must leave no string to destroy). Outside,
// results could be infinite or NaN, which a price must never be.
const char* input_domain_error(const BsInputs& in);
inline constexpr double k_min_price_input = 1e-6;
inline constexpr double k_max_price_input = 1e9;
inline constexpr double k_max_years = 100;
inline constexpr double k_max_rate = 1;
inline constexpr double k_max_vol = 10;
inline constexpr double k_max_stddev = 10;

// The standard normal density and distribution (through erfc, accurate in both tails).
double normal_pdf(double x);
double normal_cdf(double x);

// Price alone (the cheap path used by implied volatility).
double bs_price(const BsInputs& in);
// Price and every Greek. At expiry (T = 0) or with zero volatility the option is worth its
// discounted forward intrinsic value and the Greeks are their limits (delta a step, the rest 0).
Greeks bs_greeks(const BsInputs& in);

// The bounds a European price must lie within: max(0, discounted forward intrinsic) and the
// discounted spot (call) or strike (put).
double lower_bound(const BsInputs& in);
double upper_bound(const BsInputs& in);

}  // namespace aiots::options
