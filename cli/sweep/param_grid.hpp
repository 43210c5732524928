// The parameter space of a sweep: -g axes (NAME=LO..HI[:STEP] or NAME=V1,V2,...) checked
// against the strategy's declared params, enumerated as a grid or sampled at random, each point
// addressed by its index so that nothing holds every combination.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lua/plugin_params.hpp"
#include "util/error.hpp"

namespace aiots::cli {

class GridAxis {
public:
  // Parses one -g item for the declared parameters of `plugin`: an unknown name, a value of the
  // wrong type or outside the declared min/max, an empty or reversed range is a usage error.
  static Expected<GridAxis> parse(const std::string& item, const std::vector<lua::ParamDecl>& declared,
                                  const std::string& plugin);

  const std::string& name() const { return m_name; }
  // The grid's points on this axis (a number range without a step has none: random search only).
  std::uint64_t count() const { return m_count; }
  lua::ParamValue at(std::uint64_t k) const;
  // A point drawn from 64 random bits: a grid point, or anywhere in a number range without a step.
  lua::ParamValue draw(std::uint64_t bits) const;
  bool continuous() const { return m_kind == Kind::NumberRange && m_step == 0; }

private:
  enum class Kind { List, IntRange, NumberRange };
  std::string m_name;
  Kind m_kind = Kind::List;
  std::vector<lua::ParamValue> m_values;
  double m_lo = 0, m_hi = 0, m_step = 0;
  int m_decimals = 0;  // of the range's texts: points are rounded to them (0.1 + 0.2 is 0.3)
  std::uint64_t m_count = 0;
};

class ParamGrid {
public:
  // The axes of `items`; `random` > 0 samples that many points with `seed` instead of the grid.
  static Expected<ParamGrid> parse(const std::vector<std::string>& items, const std::vector<lua::ParamDecl>& declared,
                                   const std::string& plugin, std::uint64_t random, std::uint64_t seed);

  // How many combinations: the grid's size (a usage error above 1e9 is given by parse), or `random`.
  std::uint64_t size() const { return m_size; }
  // The values of combination `index`, by parameter name (what -p would give).
  std::map<std::string, std::string> overrides(std::uint64_t index) const;
  // The same as a JSON object with typed values, for results.
  nlohmann::json values_json(std::uint64_t index) const;

private:
  std::vector<lua::ParamValue> point(std::uint64_t index) const;
  std::vector<GridAxis> m_axes;
  std::uint64_t m_size = 1;
  std::uint64_t m_random = 0;
  std::uint64_t m_seed = 0;
};

// A JSON value of a parameter (numbers as numbers, flags as booleans).
using lua::param_value_json;

}  // namespace aiots::cli
