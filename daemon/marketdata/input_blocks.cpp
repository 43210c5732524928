#include "marketdata/input_blocks.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace aiots {

struct InputBlocks::Gz {
  gzFile file = nullptr;
  ~Gz() {
    if (file != nullptr) gzclose(file);
  }
};

InputBlocks::InputBlocks(std::unique_ptr<Gz> in, std::string name, std::size_t block_bytes, std::size_t size)
    : m_in(std::move(in)), m_name(std::move(name)), m_block_bytes(std::max<std::size_t>(block_bytes, 1)), m_size(size) {}
InputBlocks::InputBlocks(InputBlocks&&) noexcept = default;
InputBlocks& InputBlocks::operator=(InputBlocks&&) noexcept = default;
InputBlocks::~InputBlocks() = default;

Expected<InputBlocks> InputBlocks::open(const std::string& path, std::size_t block_bytes) {
  const bool is_stdin = path == "-";
  auto in = std::make_unique<Gz>();
  // gzread passes uncompressed input through unchanged, so one path serves both.
  in->file = is_stdin ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path.c_str(), "rb");
  const std::string name = is_stdin ? "<stdin>" : path;
  if (in->file == nullptr) {
    return data_error(name + ": cannot open: " + std::strerror(errno));
  }
  gzbuffer(in->file, 1 << 18);
  // The size of a plain file tells how far reading has come; a compressed one's says little.
  struct stat st {};
  const bool plain_file = !is_stdin && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && gzdirect(in->file) == 1;
  const std::size_t size = plain_file ? static_cast<std::size_t>(st.st_size) : 0;
  return InputBlocks(std::move(in), name, block_bytes, size);
}

Expected<std::string_view> InputBlocks::next() {
  m_lines_before += m_lines_in_last;
  m_lines_in_last = 0;
  if (m_carried > 0 && m_carried < m_buffer.size()) {
    // The unfinished line after the last block moves to the front.
    std::memmove(m_buffer.data(), m_buffer.data() + m_buffer.size() - m_carried, m_carried);
  }
  m_buffer.resize(m_carried);
  if (m_eof) {
    m_carried = 0;
    return std::string_view(m_buffer);
  }
  std::size_t scanned = 0;  // bytes already searched for a newline
  std::size_t line_start = 0;
  std::size_t last_newline = std::string::npos;
  while (true) {
    const std::size_t used = m_buffer.size();
    // Search what arrived: whole lines so far, and no line beyond the limit.
    while (scanned < used) {
      const auto* nl = static_cast<const char*>(std::memchr(m_buffer.data() + scanned, '\n', used - scanned));
      const std::size_t end = nl != nullptr ? static_cast<std::size_t>(nl - m_buffer.data()) : used;
      if (end - line_start > k_max_line_bytes) {
        return data_error(m_name + ":" + std::to_string(m_lines_before + m_lines_in_last + 1) + ": line is longer than " +
                          std::to_string(k_max_line_bytes >> 20) + " MiB, the limit for one line (not a CSV file?)");
      }
      if (nl == nullptr) {
        scanned = used;
        break;
      }
      ++m_lines_in_last;
      last_newline = end;
      scanned = line_start = end + 1;
    }
    if (last_newline != std::string::npos && used >= m_block_bytes) break;
    const std::size_t want = std::max<std::size_t>(m_block_bytes, 1 << 16);
    m_buffer.resize(used + want);
    const int n = gzread(m_in->file, m_buffer.data() + used, static_cast<unsigned>(want));
    if (n < 0) {
      int code = 0;
      const std::string why = gzerror(m_in->file, &code);
      return data_error(m_name + ": cannot read: " + (code == Z_ERRNO ? std::strerror(errno) : why));
    }
    m_buffer.resize(used + static_cast<std::size_t>(n));
    m_bytes_read += static_cast<std::size_t>(n);
    if (n == 0) {
      m_eof = true;
      // The last line without a newline is a line too.
      if (line_start < m_buffer.size()) ++m_lines_in_last;
      m_carried = 0;
      return std::string_view(m_buffer);
    }
  }
  m_carried = m_buffer.size() - (last_newline + 1);
  return std::string_view(m_buffer.data(), last_newline + 1);
}

}  // namespace aiots
