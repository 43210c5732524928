#include "marketdata/input_file.hpp"

#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <zlib.h>

namespace aiots {

Expected<std::string> read_input(const std::string& path) {
  const bool is_stdin = path == "-";
  // gzread passes uncompressed input through unchanged, so one path serves both.
  gzFile in = is_stdin ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path.c_str(), "rb");
  const std::string name = is_stdin ? "<stdin>" : path;
  if (in == nullptr) {
    return data_error(name + ": cannot open: " + std::strerror(errno));
  }
  gzbuffer(in, 1 << 18);
  std::string data;
  std::size_t used = 0;
  while (true) {
    if (data.size() - used < (1 << 20)) {
      data.resize(data.size() + std::max<std::size_t>(1 << 20, data.size()));
    }
    const int n = gzread(in, data.data() + used, static_cast<unsigned>(data.size() - used));
    if (n < 0) {
      int code = 0;
      const std::string why = gzerror(in, &code);
      gzclose(in);
      return data_error(name + ": cannot read: " + (code == Z_ERRNO ? std::strerror(errno) : why));
    }
    if (n == 0) {
      break;
    }
    used += static_cast<std::size_t>(n);
  }
  gzclose(in);
  data.resize(used);
  return data;
}

}  // namespace aiots
