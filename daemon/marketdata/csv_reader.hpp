// Splits CSV text into records of fields, RFC 4180 quoting included, without copying
// unquoted fields.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace aiots {

class CsvReader {
public:
  // Reads `text` (which must outlive the reader) with field separator `delimiter`.
  CsvReader(std::string_view text, char delimiter);

  // Reads a part of a file: `text` begins a line, the `lines_before` lines before it not given.
  CsvReader(std::string_view text, char delimiter, std::size_t lines_before);

  // Where the next record starts (an offset into `text`), and ends reading at offset `end`.
  std::size_t position() const { return m_pos; }
  char delimiter() const { return m_delimiter; }
  void stop_at(std::size_t end) { m_text = m_text.substr(0, end); }

  // Returns the separator the header line `line` uses: ',' unless it holds none and ';' or a tab.
  static char detect_delimiter(std::string_view first_line);

  // Reads the next non-blank record into `fields`; false at the end. `line` gets its 1-based
  // line number. Lines starting with '#' are comments.
  bool next(std::vector<std::string_view>& fields, std::size_t& line);

private:
  void split_quoted(std::string_view record, std::vector<std::string_view>& fields);

  std::string_view m_text;
  std::size_t m_pos = 0;
  std::size_t m_line = 0;
  char m_delimiter;
  std::deque<std::string> m_unquoted;  // storage for fields that needed unescaping
};

}  // namespace aiots
