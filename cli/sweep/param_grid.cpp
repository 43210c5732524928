#include "sweep/param_grid.hpp"

#include <cmath>

#include "util/parse_number.hpp"
#include "util/text_fields.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

constexpr std::uint64_t k_max_points = 1'000'000'000;

const lua::ParamDecl* find_decl(const std::vector<lua::ParamDecl>& declared, const std::string& name) {
  for (const lua::ParamDecl& d : declared) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string declared_names(const std::vector<lua::ParamDecl>& declared) {
  std::string out;
  for (const lua::ParamDecl& d : declared) out += (out.empty() ? "" : ", ") + d.name + " (" + d.type + ")";
  return out.empty() ? "none" : out;
}

// Checks `text` as a value of the declared parameter, as -p would, and returns it typed.
Expected<lua::ParamValue> checked_value(const std::vector<lua::ParamDecl>& declared, const lua::ParamDecl& decl,
                                        const std::string& text, const std::string& plugin, const std::string& item) {
  auto values = lua::resolve_param_values(declared, {{decl.name, text}}, plugin);
  if (!values) return usage_error("-g " + quote_value(item) + ": " + values.error().message);
  return values->at(decl.name);
}

int decimals_of(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || text.find_first_of("eE") != std::string_view::npos) return 0;
  return static_cast<int>(text.size() - dot - 1);
}

// SplitMix64: 64 well-mixed bits from any 64; the same on every machine and standard library.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// An index below `n` from 64 random bits (multiply-shift: no modulo bias worth naming).
__extension__ typedef unsigned __int128 uint128;
std::uint64_t below(std::uint64_t bits, std::uint64_t n) {
  return static_cast<std::uint64_t>((static_cast<uint128>(bits) * n) >> 64);
}

}  // namespace

Expected<GridAxis> GridAxis::parse(const std::string& item, const std::vector<lua::ParamDecl>& declared,
                                   const std::string& plugin) {
  const auto eq = item.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
    return usage_error("-g takes NAME=LO..HI[:STEP] or NAME=V1,V2,..., not " + quote_value(item));
  }
  GridAxis axis;
  axis.m_name = item.substr(0, eq);
  const std::string spec = item.substr(eq + 1);
  const lua::ParamDecl* decl = find_decl(declared, axis.m_name);
  if (decl == nullptr) {
    return usage_error("-g " + quote_value(item) + ": " + plugin + " declares no parameter " + quote_value(axis.m_name) +
                       "; it declares " + declared_names(declared));
  }
  const auto dots = spec.find("..");
  if (dots == std::string::npos) {
    for (const std::string& text : split_fields(spec, ',')) {
      AIOTS_TRY_ASSIGN(v, checked_value(declared, *decl, text, plugin, item));
      axis.m_values.push_back(std::move(v));
    }
    axis.m_count = axis.m_values.size();
    return axis;
  }
  if (decl->type != "int" && decl->type != "number") {
    return usage_error("-g " + quote_value(item) + ": a range needs a numeric parameter; " + axis.m_name + " is " +
                       decl->type + " (list its values: " + axis.m_name + "=A,B)");
  }
  const std::string lo_text = spec.substr(0, dots);
  std::string hi_text = spec.substr(dots + 2);
  std::string step_text;
  if (const auto colon = hi_text.find(':'); colon != std::string::npos) {
    step_text = hi_text.substr(colon + 1);
    hi_text = hi_text.substr(0, colon);
  }
  AIOTS_TRY_ASSIGN(lo, checked_value(declared, *decl, lo_text, plugin, item));
  AIOTS_TRY_ASSIGN(hi, checked_value(declared, *decl, hi_text, plugin, item));
  const auto as_double = [](const lua::ParamValue& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    return std::get<double>(v);
  };
  axis.m_lo = as_double(lo);
  axis.m_hi = as_double(hi);
  if (axis.m_hi < axis.m_lo) return usage_error("-g " + quote_value(item) + ": the range ends before it starts");
  const bool integer = decl->type == "int";
  axis.m_kind = integer ? Kind::IntRange : Kind::NumberRange;
  if (!step_text.empty()) {
    const auto step = parse_double(step_text);
    if (!step || !std::isfinite(*step) || *step <= 0 || (integer && *step != std::floor(*step))) {
      return usage_error("-g " + quote_value(item) + ": the step must be a positive " +
                         std::string(integer ? "integer" : "number") + ", not " + quote_value(step_text));
    }
    axis.m_step = *step;
  } else if (integer) {
    axis.m_step = 1;
  }
  axis.m_decimals = std::max({decimals_of(lo_text), decimals_of(step_text)});
  if (axis.m_step > 0) {
    const double points = std::floor((axis.m_hi - axis.m_lo) / axis.m_step + 1e-9) + 1;
    if (points > static_cast<double>(k_max_points)) {
      return usage_error("-g " + quote_value(item) + ": more than 1e9 points; give a larger step");
    }
    axis.m_count = static_cast<std::uint64_t>(points);
  }
  return axis;
}

lua::ParamValue GridAxis::at(std::uint64_t k) const {
  switch (m_kind) {
    case Kind::List:
      return m_values[k];
    case Kind::IntRange:
      return static_cast<std::int64_t>(m_lo + static_cast<double>(k) * m_step);
    case Kind::NumberRange:
      break;
  }
  const double v = m_lo + static_cast<double>(k) * m_step;
  const double scale = std::pow(10.0, m_decimals);
  return m_decimals > 0 && m_decimals < 16 ? std::round(v * scale) / scale : v;
}

lua::ParamValue GridAxis::draw(std::uint64_t bits) const {
  if (!continuous()) return at(below(bits, m_count));
  const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;  // [0, 1)
  return m_lo + u * (m_hi - m_lo);
}

Expected<ParamGrid> ParamGrid::parse(const std::vector<std::string>& items, const std::vector<lua::ParamDecl>& declared,
                                     const std::string& plugin, std::uint64_t random, std::uint64_t seed) {
  ParamGrid grid;
  grid.m_random = random;
  grid.m_seed = seed;
  for (const std::string& item : items) {
    AIOTS_TRY_ASSIGN(axis, GridAxis::parse(item, declared, plugin));
    for (const GridAxis& other : grid.m_axes) {
      if (other.name() == axis.name()) return usage_error("-g gives " + axis.name() + " twice");
    }
    if (random == 0) {
      if (axis.continuous()) {
        return usage_error("-g " + quote_value(item) + ": a number range needs a step in a grid (LO..HI:STEP); "
                           "without one it is for --random");
      }
      if (grid.m_size > k_max_points / axis.count()) {
        return usage_error("the grid has more than 1e9 combinations; narrow it or use --random N");
      }
      grid.m_size *= axis.count();
    }
    grid.m_axes.push_back(std::move(axis));
  }
  if (random > 0) grid.m_size = random;
  return grid;
}

std::vector<lua::ParamValue> ParamGrid::point(std::uint64_t index) const {
  std::vector<lua::ParamValue> out;
  out.reserve(m_axes.size());
  if (m_random > 0) {
    // Each draw depends only on (seed, index, axis): a resumed or sharded sweep draws the same.
    for (std::size_t a = 0; a < m_axes.size(); ++a) {
      out.push_back(m_axes[a].draw(mix(mix(mix(m_seed) ^ index) ^ a)));
    }
    return out;
  }
  // Mixed radix, the last axis fastest: -g a=1,2 -g b=x,y gives (1,x) (1,y) (2,x) (2,y).
  std::vector<std::uint64_t> digits(m_axes.size());
  for (std::size_t a = m_axes.size(); a-- > 0;) {
    digits[a] = index % m_axes[a].count();
    index /= m_axes[a].count();
  }
  for (std::size_t a = 0; a < m_axes.size(); ++a) out.push_back(m_axes[a].at(digits[a]));
  return out;
}

std::map<std::string, std::string> ParamGrid::overrides(std::uint64_t index) const {
  std::map<std::string, std::string> out;
  const auto values = point(index);
  for (std::size_t a = 0; a < m_axes.size(); ++a) out[m_axes[a].name()] = lua::to_string(values[a]);
  return out;
}

nlohmann::json ParamGrid::values_json(std::uint64_t index) const {
  nlohmann::json out = nlohmann::json::object();
  const auto values = point(index);
  for (std::size_t a = 0; a < m_axes.size(); ++a) out[m_axes[a].name()] = param_value_json(values[a]);
  return out;
}

}  // namespace aiots::cli
