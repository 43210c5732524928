#include "output/format.hpp"

#include "util/format_number.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace aiots::cli {
namespace {

// Human tables show at most 6 decimals; scripts get every digit via CSV/JSON.
std::string format_for_people(double v) {
  if (std::isnan(v)) {
    return "NA";
  }
  char buf[64];
  if (v != 0 && std::fabs(v) < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s(buf);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') {
    s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

class CsvWriter : public RowWriter {
public:
  CsvWriter(std::ostream& out, const std::vector<std::string>& columns) : m_out(out) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      m_out << (i ? "," : "") << csv_escape(columns[i]);
    }
    m_out << '\n';
  }
  void row(const std::vector<Cell>& cells) override {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) {
        line += ',';
      }
      const Cell& c = cells[i];
      if (const auto* d = std::get_if<double>(&c)) {
        line += std::isnan(*d) ? "" : format_double(*d);
      } else if (const auto* n = std::get_if<std::int64_t>(&c)) {
        line += std::to_string(*n);
      } else if (const auto* s = std::get_if<std::string>(&c)) {
        line += csv_escape(*s);
      }
    }
    line += '\n';
    m_out << line;
  }
  void finish() override { m_out.flush(); }

private:
  std::ostream& m_out;
};

}  // namespace

nlohmann::ordered_json cell_json(const Cell& cell) {
  if (const auto* d = std::get_if<double>(&cell)) return std::isnan(*d) ? nlohmann::ordered_json() : nlohmann::ordered_json(*d);
  if (const auto* n = std::get_if<std::int64_t>(&cell)) return *n;
  if (const auto* t = std::get_if<std::string>(&cell)) return *t;
  return nullptr;
}

namespace {

class JsonWriter : public RowWriter {
public:
  JsonWriter(std::ostream& out, std::vector<std::string> columns) : m_out(out), m_columns(std::move(columns)) {}
  void row(const std::vector<Cell>& cells) override {
    std::string line = m_first ? "[\n  {" : ",\n  {";
    m_first = false;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      line += (i ? ", " : "") + nlohmann::json(m_columns[i]).dump() + ": ";
      const Cell& c = cells[i];
      if (const auto* d = std::get_if<double>(&c)) {
        line += std::isnan(*d) ? "null" : format_double(*d);
      } else if (const auto* n = std::get_if<std::int64_t>(&c)) {
        line += std::to_string(*n);
      } else if (const auto* s = std::get_if<std::string>(&c)) {
        line += nlohmann::json(*s).dump();
      } else {
        line += "null";
      }
    }
    m_out << line << '}';
  }
  void finish() override {
    m_out << (m_first ? "[]\n" : "\n]\n");
    m_out.flush();
  }

private:
  std::ostream& m_out;
  std::vector<std::string> m_columns;
  bool m_first = true;
};

class TableWriter : public RowWriter {
public:
  TableWriter(std::ostream& out, std::vector<std::string> columns, bool color)
      : m_out(out), m_columns(std::move(columns)), m_color(color), m_numeric(m_columns.size(), false) {}
  void row(const std::vector<Cell>& cells) override {
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const Cell& c = cells[i];
      if (const auto* d = std::get_if<double>(&c)) {
        texts.push_back(format_for_people(*d));
        m_numeric[i] = true;
      } else if (const auto* n = std::get_if<std::int64_t>(&c)) {
        texts.push_back(std::to_string(*n));
        m_numeric[i] = true;
      } else if (const auto* s = std::get_if<std::string>(&c)) {
        texts.push_back(*s);
      } else {
        texts.push_back("-");
      }
    }
    m_rows.push_back(std::move(texts));
  }
  void finish() override {
    std::vector<std::size_t> width(m_columns.size());
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
      width[i] = m_columns[i].size();
      for (const auto& r : m_rows) {
        width[i] = std::max(width[i], r[i].size());
      }
    }
    print(m_columns, width, true);
    for (const auto& r : m_rows) {
      print(r, width, false);
    }
    m_out.flush();
  }

private:
  void print(const std::vector<std::string>& texts, const std::vector<std::size_t>& width, bool header) {
    std::string line;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const std::string pad(width[i] - texts[i].size(), ' ');
      const bool right = m_numeric[i];
      line += (i ? "  " : "") + (right ? pad + texts[i] : texts[i] + (i + 1 < texts.size() ? pad : ""));
    }
    if (header && m_color) {
      line = "\033[1m" + line + "\033[0m";
    }
    m_out << line << '\n';
  }

  std::ostream& m_out;
  std::vector<std::string> m_columns;
  bool m_color;
  std::vector<bool> m_numeric;
  std::vector<std::vector<std::string>> m_rows;
};

}  // namespace

std::string format_double(double v) { return format_number(v); }

bool parse_format(std::string_view text, OutputFormat& out) {
  if (text == "table") out = OutputFormat::Table;
  else if (text == "csv") out = OutputFormat::Csv;
  else if (text == "json") out = OutputFormat::Json;
  else return false;
  return true;
}

std::unique_ptr<RowWriter> make_row_writer(OutputFormat format, std::ostream& out, std::vector<std::string> columns,
                                           bool color) {
  switch (format) {
    case OutputFormat::Csv: return std::make_unique<CsvWriter>(out, columns);
    case OutputFormat::Json: return std::make_unique<JsonWriter>(out, std::move(columns));
    case OutputFormat::Table: break;
  }
  return std::make_unique<TableWriter>(out, std::move(columns), color);
}

}  // namespace aiots::cli
