#include "marketdata/input_file.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
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
  // A plain file is read into room reserved for all of it (a compressed one grows from there by
  // doubling, which copies): the room is filled 4 MiB at a time, so that memory is touched only
  // as it is read into and a file that is one endless line is refused after its first MiB.
  struct stat st {};
  if (!is_stdin && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    data.reserve(static_cast<std::size_t>(st.st_size) + 1);  // +1: the read that sees the end
  }
  // Lines are checked as they arrive, so a file that is one endless line (a binary, or a field of
  // millions of digits) is refused after k_max_line_bytes, not after all of it is in memory.
  std::size_t line_start = 0;  // offset of the line being read
  std::size_t scanned = 0;     // bytes already searched for newlines
  std::size_t line_number = 1;
  while (true) {
    if (used == data.size()) {
      const std::size_t room = data.capacity() - data.size();
      data.resize(data.size() + (room > 0 ? std::min<std::size_t>(room, 4 << 20) : std::max<std::size_t>(1 << 20, data.size())));
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
    while (scanned < used) {
      const auto* nl = static_cast<const char*>(std::memchr(data.data() + scanned, '\n', used - scanned));
      const std::size_t end = nl != nullptr ? static_cast<std::size_t>(nl - data.data()) : used;
      if (end - line_start > k_max_line_bytes) {
        gzclose(in);
        return data_error(name + ":" + std::to_string(line_number) + ": line is longer than " +
                          std::to_string(k_max_line_bytes >> 20) + " MiB, the limit for one line (not a CSV file?)");
      }
      if (nl == nullptr) {
        scanned = used;
        break;
      }
      scanned = line_start = end + 1;
      ++line_number;
    }
  }
  gzclose(in);
  data.resize(used);
  return data;
}

}  // namespace aiots
