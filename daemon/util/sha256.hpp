// SHA-256 digests (OpenSSL) for run manifests: strategy sources and the bars a run used.
#pragma once

#include <string>
#include <string_view>

namespace aiots {

// Returns the lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace aiots
