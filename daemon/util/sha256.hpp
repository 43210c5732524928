// SHA-256 digests (OpenSSL) for run manifests: strategy sources and the bars a run used.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aiots {

// Returns the lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// Returns the lowercase hex SHA-256 of the file at `path`, read in pieces; none when unreadable.
std::optional<std::string> sha256_file(const std::string& path);

}  // namespace aiots
