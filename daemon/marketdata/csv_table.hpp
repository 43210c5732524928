// A CSV file read by named columns, for inputs whose columns have many spellings (option chains
// from different vendors, batch pricing rows): each field is found by any of its aliases, and
// values come back typed, with errors that name the file, line and column.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marketdata/csv_reader.hpp"
#include "util/error.hpp"

namespace aiots {

class CsvTable {
public:
  // Reads the header line of `text` (which must outlive the table); `source` names it in errors.
  static Expected<CsvTable> open(std::string_view text, std::string source);

  // Returns the column whose header matches one of `aliases` (compared normalised: lower case,
  // letters and digits only, so "Open Int", "open_interest" and "openInterest" match
  // "openinterest"), or -1.
  int column(std::initializer_list<std::string_view> aliases) const;
  // Returns the header of `column` as written in the file.
  const std::string& header(int column) const { return m_headers[static_cast<std::size_t>(column)]; }
  // Returns the headers of the columns not in `used`.
  std::vector<std::string> unused(const std::vector<int>& used) const;

  // Reads the next row; false at the end of the input.
  bool next();
  std::size_t line() const { return m_line; }
  // "source:line", for error messages.
  std::string where() const;

  // The trimmed text of `column` in this row; empty when the column is absent (-1) or the row short.
  std::string_view text(int column) const;
  // True when the field holds no value: empty, NA, NaN, null or "-".
  bool missing(int column) const;
  // The number in `column`: nullopt when missing, a data error naming the column when not a
  // finite number.
  Expected<std::optional<double>> number(int column) const;
  // A data error "source:line: column 'name': message".
  tl::unexpected<Error> error(int column, const std::string& message) const;

private:
  CsvTable(std::string_view text, std::string source, char delimiter);
  CsvReader m_reader;
  std::string m_source;
  std::vector<std::string> m_headers;
  std::vector<std::string> m_normalised;
  std::vector<std::string_view> m_fields;
  std::size_t m_line = 0;
};

// Lower case, letters and digits only: how header names are compared.
std::string normalise_header(std::string_view name);

}  // namespace aiots
