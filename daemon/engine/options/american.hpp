// American options (US equity options are American): a Leisen-Reimer binomial tree, accurate to
// 1e-3 (checked against an independent Cox-Ross-Rubinstein tree on the grid of
// tests/unit/test_engine_options.cpp), and the Barone-Adesi-Whaley quadratic approximation, fast
// but off by up to a few cents where early exercise is worth much.
#pragma once

#include "engine/options/black_scholes.hpp"
#include "engine/options/implied_vol.hpp"

namespace aiots::options {

// Barone-Adesi-Whaley (1987). A call on an underlying without dividends, and a put at a zero or
// negative rate, are never exercised early: their value is the European one. Measured against
// the tree: within 0.005 up to a day, 0.02 up to a week, 0.06 up to a month, 0.13 up to a year.
double baw_price(const BsInputs& in);

// Leisen-Reimer binomial tree with `steps` steps (made odd), early exercise at every node.
double binomial_price(const BsInputs& in, int steps = 801, bool american = true);

// Cox-Ross-Rubinstein tree, the mean of `steps` and `steps` + 1 steps (which cancels most of
// its odd-even oscillation): a check of the Leisen-Reimer tree with its own up/down moves and
// probabilities (both roll back through one induction, which the European case checks against BSM).
double crr_price(const BsInputs& in, int steps, bool american = true);

// How an American option is priced: the Leisen-Reimer tree (accurate, about 0.5 ms at 801
// steps) or the Barone-Adesi-Whaley approximation (microseconds, less accurate).
enum class AmericanMethod { Tree, Baw };
// steps = 0 picks the tree's size from the time to expiry (801 up to 3 months, else 2401).
double american_price(const BsInputs& in, AmericanMethod method, int steps = 0);
// Price and Greeks by central differences of the chosen method.
Greeks american_greeks(const BsInputs& in, AmericanMethod method, int steps = 0);

// The volatility at which the chosen American pricer gives `price`. The price must lie between
// the immediate-exercise value (max(S-K, 0) or max(K-S, 0)) and the spot (call) or strike (put);
// sigma is bracketed and solved by the Illinois method to 1e-10, with the same statuses as
// implied_vol. `uncertainty` is the final bracket's width.
IvResult american_implied_vol(const BsInputs& in, double price, AmericanMethod method, int steps = 0);

}  // namespace aiots::options
