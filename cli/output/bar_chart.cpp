#include "output/bar_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace aiots::cli {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

std::string format_compact(double v) {
  if (!std::isfinite(v)) return "-";
  const double a = std::abs(v);
  const char* suffix = "";
  double scaled = a;
  if (a >= 1e9) {
    scaled = a / 1e9;
    suffix = "B";
  } else if (a >= 1e6) {
    scaled = a / 1e6;
    suffix = "M";
  } else if (a >= 1e3) {
    scaled = a / 1e3;
    suffix = "K";
  }
  char buf[32];
  const int decimals = scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2;
  std::snprintf(buf, sizeof buf, "%c%.*f%s", v < 0 ? '-' : '+', *suffix ? decimals : 0, scaled, suffix);
  return buf;
}

std::string bar_chart(const std::vector<ChartRow>& rows, int half_width, bool color, const std::string& mark_text) {
  double largest = 0;
  std::size_t label_width = 0;
  for (const ChartRow& r : rows) {
    if (std::isfinite(r.value)) largest = std::max(largest, std::abs(r.value));
    label_width = std::max(label_width, r.label.size());
  }
  std::string out;
  for (const ChartRow& r : rows) {
    const int length =
        largest > 0 && std::isfinite(r.value) ? static_cast<int>(std::lround(std::abs(r.value) / largest * half_width)) : 0;
    const std::string bar = repeat("\u2588", length);
    const std::string paint = color ? (r.value < 0 ? "\033[31m" : "\033[32m") : "";
    const std::string reset = color ? "\033[0m" : "";
    out += std::string(label_width - r.label.size(), ' ') + r.label + " ";
    if (r.value < 0) {
      out += std::string(static_cast<std::size_t>(half_width - length), ' ') + paint + bar + reset + "\u2502" +
             std::string(static_cast<std::size_t>(half_width), ' ');
    } else {
      out += std::string(static_cast<std::size_t>(half_width), ' ') + "\u2502" + paint + bar + reset +
             std::string(static_cast<std::size_t>(half_width - length), ' ');
    }
    out += " " + format_compact(r.value);
    if (r.marked) out += "  " + mark_text;
    out += '\n';
  }
  return out;
}

}  // namespace aiots::cli
