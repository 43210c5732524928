#include "backtest/portfolio_file.hpp"

#include <filesystem>
#include <toml++/toml.h>

#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

std::string where(const std::string& path, const toml::node& node) {
  return path + ":" + std::to_string(node.source().begin.line);
}

}  // namespace

Expected<std::vector<StrategyEntry>> read_portfolio_file(const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    if (!std::filesystem::exists(path)) return data_error(path + ": no such portfolio file");
    return usage_error(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  for (const auto& [key, value] : table) {
    if (key.str() != "strategy") {
      return usage_error(where(path, value) + ": unknown key " + quote_value(key.str()) + " (a portfolio file holds [[strategy]] tables)");
    }
  }
  const toml::array* list = table["strategy"].as_array();
  if (list == nullptr || list->empty()) {
    return usage_error(path + ": no [[strategy]] table (each names a strategy file: file = \"...\")");
  }
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  std::vector<StrategyEntry> out;
  for (const toml::node& item : *list) {
    const toml::table* t = item.as_table();
    if (t == nullptr) return usage_error(where(path, item) + ": strategy must be a table ([[strategy]])");
    StrategyEntry e;
    for (const auto& [key, value] : *t) {
      const std::string k(key.str());
      if (k == "file" || k == "name") {
        const auto* text = value.as_string();
        if (text == nullptr || text->get().empty()) {
          return usage_error(where(path, value) + ": field '" + k + "' must be a non-empty string");
        }
        (k == "file" ? e.path : e.name) = text->get();
      } else if (k == "params") {
        const toml::table* params = value.as_table();
        if (params == nullptr) return usage_error(where(path, value) + ": field 'params' must be a table, e.g. { fast = 5 }");
        for (const auto& [pk, pv] : *params) {
          if (const auto* s = pv.as_string()) e.params[std::string(pk.str())] = s->get();
          else if (const auto* i = pv.as_integer()) e.params[std::string(pk.str())] = std::to_string(i->get());
          else if (const auto* d = pv.as_floating_point()) {
            std::ostringstream os;
            os << toml::value<double>(d->get());
            e.params[std::string(pk.str())] = os.str();
          } else if (const auto* b = pv.as_boolean()) e.params[std::string(pk.str())] = b->get() ? "true" : "false";
          else return usage_error(where(path, pv) + ": parameter '" + std::string(pk.str()) + "' must be a string, number or boolean");
        }
      } else {
        return usage_error(where(path, value) + ": unknown field " + quote_value(k) + " (file, name, params)");
      }
    }
    if (e.path.empty()) return usage_error(where(path, item) + ": field 'file' is missing");
    if (std::filesystem::path(e.path).is_relative()) e.path = (base / e.path).lexically_normal().string();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace aiots::cli
