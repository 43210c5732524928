// SHA-256 digests (OpenSSL) for run manifests: strategy sources and the bars a run used.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace aiots {

// A digest fed in pieces: hashes what it is given without gathering it into one buffer first.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(std::string_view data);
  // The lowercase hex digest of everything given so far; the object is spent afterwards.
  std::string hex();

private:
  std::unique_ptr<evp_md_ctx_st, void (*)(evp_md_ctx_st*)> m_ctx;
};

// Returns the lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// Returns the lowercase hex SHA-256 of the file at `path`, read in pieces; none when unreadable.
std::optional<std::string> sha256_file(const std::string& path);

}  // namespace aiots
