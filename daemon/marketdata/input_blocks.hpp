// Reads an input file (plain or gzip-compressed, or standard input for "-") in blocks of whole
// lines, so that a file of any size is parsed in bounded memory. The same limits as read_input:
// a line longer than k_max_line_bytes is refused, naming its line.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "marketdata/input_file.hpp"
#include "util/error.hpp"

namespace aiots {

class InputBlocks {
public:
  // Opens `path`; blocks hold at least `block_bytes` (save the last) unless a line is longer.
  static Expected<InputBlocks> open(const std::string& path, std::size_t block_bytes = std::size_t{8} << 20);
  InputBlocks(InputBlocks&&) noexcept;
  InputBlocks& operator=(InputBlocks&&) noexcept;
  ~InputBlocks();

  // The next block of whole lines (the file's last line may lack its newline); empty at the end.
  // Valid until the next call.
  Expected<std::string_view> next();
  // Lines in the blocks returned before the last one (its first line is this + 1).
  std::size_t lines_before() const { return m_lines_before; }
  // Bytes read so far and the file's size (0 when unknown: stdin, compressed).
  std::size_t bytes_read() const { return m_bytes_read; }
  std::size_t size() const { return m_size; }

private:
  struct Gz;
  InputBlocks(std::unique_ptr<Gz> in, std::string name, std::size_t block_bytes, std::size_t size);

  std::unique_ptr<Gz> m_in;
  std::string m_name;
  std::size_t m_block_bytes;
  std::size_t m_size;
  std::string m_buffer;        // the block returned last, then the start of the next line
  std::size_t m_carried = 0;   // bytes of an unfinished line kept at the front of m_buffer
  std::size_t m_lines_before = 0;
  std::size_t m_lines_in_last = 0;
  std::size_t m_bytes_read = 0;
  bool m_eof = false;
};

}  // namespace aiots
