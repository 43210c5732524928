// Measures how deeply a JSON text nests before anything parses it: parsers and the code that
// walks their trees recurse once per level, so a one-megabyte line of '[' would otherwise
// overflow the stack of whoever reads it.
#pragma once

#include <cstddef>
#include <string_view>

namespace aiots {

// The deepest nesting accepted on the socket and in the journal: far beyond any real request
// or record (ctx.state is limited to 100 levels of Lua tables, which stay under it).
inline constexpr std::size_t k_max_json_depth = 128;

// Returns the maximum nesting of arrays and objects in `text`, counting brackets outside
// strings; stops early and returns `limit + 1` once the depth passes `limit`. Malformed text
// is measured all the same (the parser reports it afterwards).
std::size_t json_nesting_depth(std::string_view text, std::size_t limit = k_max_json_depth);

}  // namespace aiots
