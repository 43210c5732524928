// Reads a whole input file, plain or gzip-compressed, or standard input for "-".
#pragma once

#include <string>

#include "util/error.hpp"

namespace aiots {

// Returns the bytes of `path` ("-" = stdin), gunzipped when compressed (detected by content).
Expected<std::string> read_input(const std::string& path);

}  // namespace aiots
