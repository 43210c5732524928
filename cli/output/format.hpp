// How data-printing commands write their rows: aligned table for people, CSV or JSON for scripts.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace aiots::cli {

enum class OutputFormat { Table, Csv, Json };

// One value in a row: missing, integer, real (NaN = missing), or text.
using Cell = std::variant<std::monostate, std::int64_t, double, std::string>;

// Receives rows one at a time; CSV and JSON stream them, the table buffers to align columns.
class RowWriter {
public:
  virtual ~RowWriter() = default;
  virtual void row(const std::vector<Cell>& cells) = 0;
  // Writes whatever is buffered and the closing text (the JSON array's bracket).
  virtual void finish() = 0;
};

// Returns a writer of `format` on `out` for the named `columns`. JSON writes an array of
// objects keyed by column; CSV a header line then rows; the table pads columns and, when
// `color`, bolds the header.
std::unique_ptr<RowWriter> make_row_writer(OutputFormat format, std::ostream& out, std::vector<std::string> columns,
                                           bool color);

// The JSON value of a cell, as the JSON writer prints it: missing and NaN are null.
nlohmann::ordered_json cell_json(const Cell& cell);

// Formats `v` as the shortest text that reads back to the same double.
std::string format_double(double v);

// Parses "table", "csv" or "json".
bool parse_format(std::string_view text, OutputFormat& out);

}  // namespace aiots::cli
