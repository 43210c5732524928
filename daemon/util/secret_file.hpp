// Secrets (webhook URLs, API keys) read from a file only its owner may read: the first line (or
// line N), trimmed. Messages name the setting and the path, never the content.
#pragma once

#include <string>

#include "util/error.hpp"

namespace aiots {

// `setting` names where the path came from ("notify.webhook_url_file"); `what` what the first
// line holds ("the webhook URL"). A missing or empty file, or one others may read (mode & 077),
// is a usage error.
Expected<std::string> read_secret_line(const std::string& setting, const std::string& path, int number,
                                       const std::string& what);
inline Expected<std::string> read_secret_file(const std::string& setting, const std::string& path, const std::string& what) {
  return read_secret_line(setting, path, 1, what);
}

}  // namespace aiots
