// Numbers as text: the shortest form that reads back to the same double.
#pragma once

#include <string>

namespace aiots {

// Formats `v` in its shortest round-trip form ("0.1", "1e-07", "63.4375"); "nan" for NaN.
std::string format_number(double v);
// Formats `v` with exactly `decimals` digits after the point ("98840.00"), locale-free.
std::string format_fixed(double v, int decimals);
// Formats `v` with four significant digits ("0.01939", "1488"), for one-line summaries.
std::string format_brief(double v);

}  // namespace aiots
