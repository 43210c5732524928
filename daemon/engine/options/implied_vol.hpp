// Implied volatility that never fails silently: the price is checked against the no-arbitrage
// bounds first, then sigma is solved on the out-of-the-money side with a safeguarded Newton
// iteration (in log-price space where prices are tiny), started where it converges
// monotonically (Manaster-Koehler), and bracketed so that it cannot diverge. Every result
// carries a stable status.
#pragma once

#include <string_view>

#include "engine/options/black_scholes.hpp"

namespace aiots::options {

enum class IvStatus {
  Ok,                // sigma recovered
  IllConditioned,    // solved, but one ulp of the price moves sigma by more than 1e-9
  NoTimeValue,       // the price equals the intrinsic value: any small sigma fits (sigma = 0)
  BelowIntrinsic,    // the price is below the discounted intrinsic value: no sigma exists
  AboveUpperBound,   // the price reaches the discounted spot (call) or strike (put): no sigma exists
  InvalidInput,      // spot or strike not positive, expired, or a value not finite
};

std::string_view to_string(IvStatus status);
// True for statuses that are errors (no volatility at all), false for ok and the flagged ones.
bool is_error(IvStatus status);

struct IvResult {
  IvStatus status = IvStatus::InvalidInput;
  double vol = 0;      // meaningful for Ok and IllConditioned (0 for NoTimeValue)
  int iterations = 0;
  double uncertainty = 0;  // how far sigma moves for one ulp of the price
};

// Whether a price can be inverted at all: spot, strike and time positive, everything finite
// (else the status is invalid_input). Shared by the European and American solvers.
bool can_invert(const BsInputs& in, double price);

// Solves bs_price(in with vol = sigma) = price for sigma, to about 1e-15 relative.
IvResult implied_vol(const BsInputs& in, double price);

}  // namespace aiots::options
