#include "marketdata/csv_table.hpp"

#include "util/text_fields.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "util/parse_number.hpp"
#include "util/quote_value.hpp"

namespace aiots {

std::string normalise_header(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

CsvTable::CsvTable(std::string_view text, std::string source, char delimiter)
    : m_reader(text, delimiter), m_source(std::move(source)) {}

Expected<CsvTable> CsvTable::open(std::string_view text, std::string source) {
  const std::string_view first_line = text.substr(0, text.find('\n'));
  CsvTable table(text, std::move(source), CsvReader::detect_delimiter(first_line));
  std::vector<std::string_view> fields;
  if (!table.m_reader.next(fields, table.m_line)) {
    return data_error(table.m_source + ": empty file (expected a header line)");
  }
  for (std::string_view f : fields) {
    table.m_headers.emplace_back(trim_blanks(f));
    table.m_normalised.push_back(normalise_header(f));
  }
  return table;
}

int CsvTable::column(std::initializer_list<std::string_view> aliases) const {
  for (std::string_view alias : aliases) {
    for (std::size_t i = 0; i < m_normalised.size(); ++i) {
      if (m_normalised[i] == alias) return static_cast<int>(i);
    }
  }
  return -1;
}

std::vector<std::string> CsvTable::unused(const std::vector<int>& used) const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < m_headers.size(); ++i) {
    if (std::find(used.begin(), used.end(), static_cast<int>(i)) == used.end()) out.push_back(m_headers[i]);
  }
  return out;
}

bool CsvTable::next() { return m_reader.next(m_fields, m_line); }

std::string CsvTable::where() const { return m_source + ":" + std::to_string(m_line); }

std::string_view CsvTable::text(int column) const {
  if (column < 0 || static_cast<std::size_t>(column) >= m_fields.size()) return {};
  return trim_blanks(m_fields[static_cast<std::size_t>(column)]);
}

bool CsvTable::missing(int column) const {
  const std::string_view v = text(column);
  return v.empty() || v == "NA" || v == "NaN" || v == "nan" || v == "null" || v == "NULL" || v == "-" || v == "N/A";
}

Expected<std::optional<double>> CsvTable::number(int column) const {
  if (missing(column)) return std::optional<double>{};
  const std::string_view raw = text(column);
  const auto out = parse_double(raw);
  if (!out) return error(column, quote_value(raw) + " is not a number");
  if (!std::isfinite(*out)) return error(column, quote_value(raw) + " is not a finite number");
  return out;
}

tl::unexpected<Error> CsvTable::error(int column, const std::string& message) const {
  const std::string name = column >= 0 ? header(column) : std::string("?");
  return data_error(where() + ": column '" + name + "': " + message);
}

}  // namespace aiots
