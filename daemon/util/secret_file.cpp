#include "util/secret_file.hpp"

#include <fstream>
#include <sys/stat.h>

namespace aiots {

Expected<std::string> read_secret_line(const std::string& setting, const std::string& path, int number,
                                       const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return usage_error(setting + " " + path + ": cannot read it (does it exist?)");
  if ((st.st_mode & 077) != 0) {
    return usage_error(setting + " " + path + ": readable by others (mode " + std::to_string((st.st_mode >> 6) & 7) +
                       std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) +
                       "); it holds a secret: chmod 600 it");
  }
  std::ifstream in(path);
  std::string line;
  for (int i = 0; i < number; ++i) {
    line.clear();
    if (!std::getline(in, line)) break;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.erase(0, 1);
  if (line.empty()) {
    return usage_error(setting + " " + path + ": line " + std::to_string(number) + " is empty (it holds " + what + ")");
  }
  return line;
}

}  // namespace aiots
