#include "engine/metrics/condition.hpp"

#include <cmath>

#include "util/format_number.hpp"
#include "util/parse_number.hpp"

namespace aiots {

bool MetricCondition::holds(double v) const {
  if (!std::isfinite(v)) return false;
  if (op == "<") return v < value;
  if (op == "<=") return v <= value;
  if (op == ">") return v > value;
  if (op == ">=") return v >= value;
  if (op == "=") return v == value;
  return op == "!=" && v != value;
}

std::string MetricCondition::text() const { return op + format_number(value); }

std::string MetricCondition::unmet(std::string_view metric, double v) const {
  if (holds(v)) return {};
  return std::string(metric) + " " + format_brief(v) + " is not " + op + " " + format_number(value);
}

std::optional<MetricCondition> parse_condition(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::size_t i = 0;
  while (i < text.size() && std::string_view("<>=!").find(text[i]) != std::string_view::npos) ++i;
  MetricCondition c;
  c.op = std::string(text.substr(0, i));
  if (c.op == "==") c.op = "=";
  if (c.op != "<" && c.op != "<=" && c.op != ">" && c.op != ">=" && c.op != "=" && c.op != "!=") return std::nullopt;
  std::string_view number = text.substr(i);
  while (!number.empty() && number.front() == ' ') number.remove_prefix(1);
  const auto value = parse_double(number);
  if (!value || !std::isfinite(*value)) return std::nullopt;
  c.value = *value;
  return c;
}

}  // namespace aiots
