#include "engine/options/occ_symbol.hpp"

#include <cmath>
#include <cstdio>

#include "util/time.hpp"

namespace aiots::options {

std::optional<OccSymbol> parse_occ_symbol(std::string_view text) {
  if (text.size() < 16 || text.size() > 21) return std::nullopt;
  const std::string_view tail = text.substr(text.size() - 15);
  std::string_view root = text.substr(0, text.size() - 15);
  while (!root.empty() && root.back() == ' ') root.remove_suffix(1);
  if (root.empty() || root.size() > 6) return std::nullopt;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i != 6 && (tail[i] < '0' || tail[i] > '9')) return std::nullopt;
  }
  if (tail[6] != 'C' && tail[6] != 'P') return std::nullopt;
  const std::string date = "20" + std::string(tail.substr(0, 2)) + "-" + std::string(tail.substr(2, 2)) + "-" +
                           std::string(tail.substr(4, 2));
  const auto parsed = parse_time(date);
  if (!parsed) return std::nullopt;
  OccSymbol out;
  out.root = std::string(root);
  out.expiry_day = day_number(parsed->ts);
  out.type = tail[6] == 'C' ? OptionType::Call : OptionType::Put;
  out.strike = static_cast<double>(std::stoll(std::string(tail.substr(7)))) / 1000.0;
  if (out.strike <= 0) return std::nullopt;
  return out;
}

std::optional<std::string> format_occ_symbol(const std::string& root, std::int64_t expiry_day, OptionType type,
                                             double strike) {
  const double thousandths = std::round(strike * 1000);
  if (root.empty() || root.size() > 6 || !(thousandths > 0) || thousandths > 99'999'999) return std::nullopt;
  const std::string date = format_time(expiry_day * k_ns_per_day, true);  // YYYY-MM-DD
  if (date.size() != 10 || date[0] != '2' || date[1] != '0') return std::nullopt;  // OCC years are 20YY
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%c%c%c%c%c%c%c%08lld", root.c_str(), date[2], date[3], date[5], date[6], date[8],
                date[9], type == OptionType::Call ? 'C' : 'P', static_cast<long long>(thousandths));
  return std::string(buf);
}

}  // namespace aiots::options
