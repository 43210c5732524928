// American options (US equity options are American): the Barone-Adesi-Whaley quadratic
// approximation, fast and closed-form but for the critical price, and a Leisen-Reimer binomial
// tree, slow and converging to the exact value, which checks it (aiots-options(1) states the
// grid on which the two agree within 1e-3).
#pragma once

#include "engine/options/black_scholes.hpp"

namespace aiots::options {

// Barone-Adesi-Whaley (1987). A call on an underlying without dividends, and a put at a zero or
// negative rate, are never exercised early: their value is the European one.
double baw_price(const BsInputs& in);

// Leisen-Reimer binomial tree with `steps` steps (made odd), early exercise at every node.
double binomial_price(const BsInputs& in, int steps = 801, bool american = true);

// Cox-Ross-Rubinstein tree, the mean of `steps` and `steps` + 1 steps (which cancels most of
// its odd-even oscillation): an independent check of the Leisen-Reimer tree.
double crr_price(const BsInputs& in, int steps, bool american = true);

// How an American option is priced: the Leisen-Reimer tree (accurate, about 0.5 ms) or the
// Barone-Adesi-Whaley approximation (microseconds; off by up to a few cents on options with
// much early-exercise value, aiots-options(1)).
enum class AmericanMethod { Tree, Baw };
// steps = 0 picks the tree's size from the time to expiry (801 up to 3 months, else 2401).
double american_price(const BsInputs& in, AmericanMethod method, int steps = 0);
// Price and Greeks by central differences of the chosen method.
Greeks american_greeks(const BsInputs& in, AmericanMethod method, int steps = 0);

}  // namespace aiots::options
