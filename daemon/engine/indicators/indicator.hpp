// Indicators chosen at run time by a text spec such as "sma(20),rsi(14),macd(12,26,9)".
// The streaming classes (Sma, Rsi, ...) are the engine's; this wraps them behind one interface
// for the CLI and, later, strategy indicator handles.
#pragma once

#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bars/bar.hpp"
#include "util/error.hpp"

namespace aiots {

// One indicator as the user wrote it: a name, numeric arguments and an optional mode word.
struct IndicatorSpec {
  std::string name;
  std::vector<double> args;  // defaults filled in
  std::string mode;          // e.g. "percent"; the default mode when not given
};

// A streaming indicator over bars with one or more named output columns.
class Indicator {
public:
  virtual ~Indicator() = default;
  // Feeds the next bar; the values then describe the series up to and including it.
  virtual void update(const Bar& bar) = 0;
  // Returns the output values after the latest update (NaN during warm-up), one per column.
  std::span<const double> values() const { return m_values; }
  const std::vector<std::string>& columns() const { return m_columns; }
  // Names the output columns and sizes the values (NaN until warmed up); called once.
  void shape(std::vector<std::string> columns) {
    m_values.assign(columns.size(), std::numeric_limits<double>::quiet_NaN());
    m_columns = std::move(columns);
  }

protected:
  std::vector<std::string> m_columns;
  std::vector<double> m_values;
};

// Describes one indicator of the registry, for help texts and completions.
struct IndicatorInfo {
  std::string_view name;
  std::string_view usage;    // e.g. "macd(fast=12, slow=26, signal=9, abs|percent)"
  std::string_view summary;
};

// Returns every indicator the registry knows, in documentation order.
std::span<const IndicatorInfo> indicator_catalogue();

// Parses a comma-separated list of specs; a usage error names the offending spec and says
// what was expected.
Expected<std::vector<IndicatorSpec>> parse_indicator_specs(std::string_view text);

// Builds the indicator that `spec` describes (specs from parse_indicator_specs are valid).
std::unique_ptr<Indicator> make_indicator(const IndicatorSpec& spec);

}  // namespace aiots
