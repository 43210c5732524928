// Reads a whole input file, plain or gzip-compressed, or standard input for "-".
#pragma once

#include <string>

#include "util/error.hpp"

namespace aiots {

// The longest line an input file may have; longer ones are refused while reading.
inline constexpr std::size_t k_max_line_bytes = std::size_t{1} << 20;

// Returns the bytes of `path` ("-" = stdin), gunzipped when compressed (detected by content).
Expected<std::string> read_input(const std::string& path);

}  // namespace aiots
