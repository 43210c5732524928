// A threshold a metric is held to, written as playbooks and gates write it: "<=0.15", ">=1.0",
// "!=0". Gates, canaries and sweeps (--where) read and judge conditions with this one parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aiots {

struct MetricCondition {
  std::string op;  // < <= > >= = !=
  double value = 0;

  // False for NaN or infinite values: a figure that could not be measured never passes.
  bool holds(double v) const;
  std::string text() const;  // "<=0.15"
  // "" when `v` holds, else what failed: "max_drawdown 0.01372 is not <= 0.01".
  std::string unmet(std::string_view metric, double v) const;
};

// Parses an operator and a finite number (blanks around them allowed; "==" is "="); nullopt
// when `text` is not a condition.
std::optional<MetricCondition> parse_condition(std::string_view text);

}  // namespace aiots
