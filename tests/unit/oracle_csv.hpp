// Reads the reference CSVs under tests/data for the oracle tests.
#pragma once

#include <string>
#include <vector>

#include "engine/bars/bar.hpp"

namespace aiots::test {

// Returns the directory of the test data.
std::string data_dir();

// A column-oriented oracle file: header names and values (NaN for NA), date column dropped.
struct OracleTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> values;  // values[column][row]
};

// Reads `path` (first column the date, then numbers or NA).
OracleTable read_oracle(const std::string& path);

// Reads an OHLCV market CSV with a plain, independent parser.
std::vector<Bar> read_bars(const std::string& path);

// Returns the index of the first row where `ours` breaks the oracle rule
// |ours - oracle| <= 1e-9 * max(1, |oracle|) with identical NA rows, or -1 if none.
long first_mismatch(const std::vector<double>& ours, const std::vector<double>& oracle);

}  // namespace aiots::test
