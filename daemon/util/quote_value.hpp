// Quoting user input inside error messages without echoing megabytes of it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aiots {

// The most characters of an offending value that an error message repeats.
inline constexpr std::size_t k_quoted_value_limit = 80;

// Returns `value` in single quotes; a longer value is cut to its first characters, marked with
// "..." and followed by its length, e.g. '12345678901...' (200000000 characters). Control
// characters are shown as \xNN so that a value cannot break the terminal or a log line.
std::string quote_value(std::string_view value, std::size_t limit = k_quoted_value_limit);

}  // namespace aiots
