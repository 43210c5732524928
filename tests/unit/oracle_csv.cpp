#include "oracle_csv.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace aiots::test {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) {
    out.push_back(field);
  }
  return out;
}

}  // namespace

std::string data_dir() { return AIOTS_TEST_DATA; }

OracleTable read_oracle(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot open " + path);
  }
  std::string line;
  std::getline(in, line);
  OracleTable t;
  const auto header = split(line);
  t.columns.assign(header.begin() + 1, header.end());
  t.values.resize(t.columns.size());
  while (std::getline(in, line)) {
    const auto fields = split(line);
    for (std::size_t c = 1; c < fields.size(); ++c) {
      t.values[c - 1].push_back(fields[c] == "NA" ? std::nan("") : std::stod(fields[c]));
    }
  }
  return t;
}

std::vector<Bar> read_bars(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<Bar> bars;
  while (std::getline(in, line)) {
    const auto f = split(line);
    bars.push_back(Bar{static_cast<Timestamp>(bars.size()), std::stod(f[1]), std::stod(f[2]), std::stod(f[3]),
                       std::stod(f[4]), std::stod(f[5])});
  }
  return bars;
}

long first_mismatch(const std::vector<double>& ours, const std::vector<double>& oracle) {
  if (ours.size() != oracle.size()) {
    return 0;
  }
  for (std::size_t i = 0; i < ours.size(); ++i) {
    if (std::isnan(oracle[i]) != std::isnan(ours[i])) {
      return static_cast<long>(i);
    }
    if (!std::isnan(oracle[i]) && std::fabs(ours[i] - oracle[i]) > 1e-9 * std::max(1.0, std::fabs(oracle[i]))) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

}  // namespace aiots::test
