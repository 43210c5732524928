// Reading a number from text the same way everywhere: the whole text (a leading '+' allowed),
// locale-independent.
#pragma once

#include <optional>
#include <string_view>

namespace aiots {

// The double `text` spells, or nullopt when it is empty or not entirely a number. "inf" and
// "nan" do parse: callers that need a finite value check it (and say so in their message).
std::optional<double> parse_double(std::string_view text);

}  // namespace aiots
