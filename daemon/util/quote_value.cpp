#include "util/quote_value.hpp"

#include <cstdio>

namespace aiots {

std::string quote_value(std::string_view value, std::size_t limit) {
  const bool cut = value.size() > limit;
  const std::string_view shown = cut ? value.substr(0, limit > 3 ? limit - 3 : 0) : value;
  std::string out = "'";
  for (const char c : shown) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
  if (cut) {
    out += "...' (" + std::to_string(value.size()) + " characters)";
  } else {
    out += "'";
  }
  return out;
}

}  // namespace aiots
