// A terminal bar chart of signed values: one line per label, bars growing left (negative) or
// right (positive) of a zero axis, scaled to the largest magnitude.
#pragma once

#include <string>
#include <vector>

namespace aiots::cli {

struct ChartRow {
  std::string label;
  double value = 0;
  bool marked = false;  // drawn with a marker (e.g. the strike nearest the spot)
};

// Returns the chart as lines of text; `half_width` characters on each side of the axis.
// `color` paints negative bars red and positive ones green.
std::string bar_chart(const std::vector<ChartRow>& rows, int half_width, bool color, const std::string& mark_text);

// Formats `v` with a sign and a K/M/B suffix and three significant digits: +1.23M, -845K, +12.
std::string format_compact(double v);

}  // namespace aiots::cli
