#include "output/atomic_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace aiots::cli {

Expected<void> write_atomically(const std::string& path, const std::function<Expected<void>(std::ostream&)>& write) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::ofstream file(tmp, std::ios::binary);
  if (!file) {
    return runtime_error("cannot write " + path + ": cannot create a file there");
  }
  auto written = write(file);
  file.close();
  if (!written || !file) {
    std::remove(tmp.c_str());
    return written ? runtime_error("cannot write " + path + " (disk full?)") : written;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return runtime_error("cannot write " + path + ": " + ec.message());
  }
  return {};
}

}  // namespace aiots::cli
