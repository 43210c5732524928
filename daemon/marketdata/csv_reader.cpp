#include "marketdata/csv_reader.hpp"

#include <cstring>

namespace aiots {

CsvReader::CsvReader(std::string_view text, char delimiter) : m_text(text), m_delimiter(delimiter) {
  // Skip a UTF-8 byte order mark, which spreadsheet exports like to add.
  if (m_text.substr(0, 3) == "\xEF\xBB\xBF") {
    m_pos = 3;
  }
}

CsvReader::CsvReader(std::string_view text, char delimiter, std::size_t lines_before)
    : m_text(text), m_line(lines_before), m_delimiter(delimiter) {}

char CsvReader::detect_delimiter(std::string_view line) {
  if (line.find(',') != std::string_view::npos) {
    return ',';
  }
  if (line.find(';') != std::string_view::npos) {
    return ';';
  }
  if (line.find('\t') != std::string_view::npos) {
    return '\t';
  }
  return ',';
}

bool CsvReader::next(std::vector<std::string_view>& fields, std::size_t& line) {
  while (m_pos < m_text.size()) {
    const char* begin = m_text.data() + m_pos;
    const char* nl = static_cast<const char*>(std::memchr(begin, '\n', m_text.size() - m_pos));
    std::size_t len = nl != nullptr ? static_cast<std::size_t>(nl - begin) : m_text.size() - m_pos;
    m_pos += len + (nl != nullptr ? 1 : 0);
    ++m_line;
    std::string_view record(begin, len);
    if (!record.empty() && record.back() == '\r') {
      record.remove_suffix(1);
    }
    if (record.empty() || record.front() == '#') {
      continue;
    }
    line = m_line;
    fields.clear();
    if (record.find('"') != std::string_view::npos) {
      split_quoted(record, fields);
      return true;
    }
    std::size_t start = 0;
    while (true) {
      const std::size_t cut = record.find(m_delimiter, start);
      if (cut == std::string_view::npos) {
        fields.push_back(record.substr(start));
        break;
      }
      fields.push_back(record.substr(start, cut - start));
      start = cut + 1;
    }
    return true;
  }
  return false;
}

void CsvReader::split_quoted(std::string_view record, std::vector<std::string_view>& fields) {
  std::size_t i = 0;
  while (true) {
    std::string& out = m_unquoted.emplace_back();
    if (i < record.size() && record[i] == '"') {
      ++i;
      while (i < record.size()) {
        if (record[i] == '"') {
          if (i + 1 < record.size() && record[i + 1] == '"') {
            out += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        out += record[i++];
      }
    }
    while (i < record.size() && record[i] != m_delimiter) {
      out += record[i++];
    }
    fields.push_back(out);
    if (i >= record.size()) {
      break;
    }
    ++i;
  }
  // Fields are views into m_unquoted; cap its growth on long quoted files.
  if (m_unquoted.size() > 4096) {
    m_unquoted.erase(m_unquoted.begin(), m_unquoted.end() - static_cast<std::ptrdiff_t>(fields.size()));
  }
}

}  // namespace aiots
