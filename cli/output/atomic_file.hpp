// Writes a file whole or not at all: into a temp file beside it, then renamed over it.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

#include "util/error.hpp"

namespace aiots::cli {

// Calls `write` with a stream on a temp file next to `path`, then renames it to `path`. On any
// failure the temp file is removed and `path` is left as it was.
Expected<void> write_atomically(const std::string& path, const std::function<Expected<void>(std::ostream&)>& write);

}  // namespace aiots::cli
