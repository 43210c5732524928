#include "adapters/http/response_cache.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "adapters/http/http_client.hpp"
#include "util/sha256.hpp"

namespace aiots::http {

ResponseCache::ResponseCache(std::string dir) : m_dir(std::move(dir)) {
  if (m_dir.empty()) {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    m_dir = xdg != nullptr && *xdg != '\0' ? std::string(xdg) + "/aiots/http"
            : home != nullptr              ? std::string(home) + "/.cache/aiots/http"
                                           : std::string("/tmp/aiots-cache-") + std::to_string(::getuid()) + "/http";
  }
}

std::string ResponseCache::path_of(const std::string& url) const { return m_dir + "/" + sha256_hex(redact_url(url)); }

std::optional<std::string> ResponseCache::get(const std::string& url) const {
  std::ifstream in(path_of(url), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Expected<void> ResponseCache::put(const std::string& url, const std::string& body) const {
  std::error_code ec;
  std::filesystem::create_directories(m_dir, ec);
  const std::string path = path_of(url);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << body;
    if (!out.flush()) return runtime_error("cannot write the HTTP cache in " + m_dir);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return runtime_error("cannot write the HTTP cache in " + m_dir + ": " + ec.message());
  return {};
}

}  // namespace aiots::http
