// How risk messages write numbers: amounts and percentages rounded to cents (the decisions use
// the exact values), money with two decimals.
#pragma once

#include <cmath>
#include <string>

#include "util/format_number.hpp"

namespace aiots::risk {

inline std::string cents(double v) { return format_number(std::round(v * 100) / 100); }
inline std::string money(double v) { return format_fixed(v, 2); }

}  // namespace aiots::risk
