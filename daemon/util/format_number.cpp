#include "util/format_number.hpp"

#include <array>
#include <charconv>

#include <charconv>
#include <cmath>

namespace aiots {

std::string format_number(double v) {
  if (std::isnan(v)) {
    return "nan";  // not "-nan": the sign of a NaN means nothing to a reader
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string format_fixed(double v, int decimals) {
  if (std::isnan(v)) {
    return "nan";
  }
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  return ec == std::errc() ? std::string(buf, end) : format_number(v);
}

std::string format_brief(double v) {
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::general, 4);
  return ec == std::errc() ? std::string(buf.data(), end) : format_number(v);
}

}  // namespace aiots
