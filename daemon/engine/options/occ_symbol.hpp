// OCC option symbols (the 21-character form brokers and vendors use, spaces optional):
// ROOT (1-6 characters) YYMMDD C|P and the strike times 1000 in 8 digits, e.g.
// MSFT011019C00050000 for the MSFT 2001-10-19 50 call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/options/black_scholes.hpp"

namespace aiots::options {

struct OccSymbol {
  std::string root;
  std::int64_t expiry_day = 0;  // the expiry date, days since the epoch
  OptionType type = OptionType::Call;
  double strike = 0;
};

std::optional<OccSymbol> parse_occ_symbol(std::string_view text);
// The unpadded form: MSFT011019C00050000. nullopt when the root is not 1-6 characters or the
// strike does not fit eight digits of thousandths.
std::optional<std::string> format_occ_symbol(const std::string& root, std::int64_t expiry_day, OptionType type,
                                             double strike);

}  // namespace aiots::options
