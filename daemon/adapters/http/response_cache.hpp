// An on-disk cache of responses that cannot change (a month of intraday bars long past): a
// second fetch of the same history costs no request. Keyed by the SHA-256 of the URL with its
// secrets redacted, so the key never holds one; written to a temp file and renamed.
#pragma once

#include <optional>
#include <string>

#include "util/error.hpp"

namespace aiots::http {

class ResponseCache {
public:
  // `dir` empty: $XDG_CACHE_HOME/aiots/http, else ~/.cache/aiots/http.
  explicit ResponseCache(std::string dir);
  std::optional<std::string> get(const std::string& url) const;
  Expected<void> put(const std::string& url, const std::string& body) const;
  const std::string& dir() const { return m_dir; }

private:
  std::string path_of(const std::string& url) const;
  std::string m_dir;
};

}  // namespace aiots::http
