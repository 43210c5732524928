#include "sweep/sweep_plan.hpp"

#include <algorithm>
#include <cmath>

#include "output/format.hpp"
#include "util/parse_number.hpp"
#include "util/quote_value.hpp"
#include "util/sha256.hpp"
#include "util/text_fields.hpp"

namespace aiots::cli {
namespace {

std::string trim(std::string_view s) { return std::string(trim_blanks(s)); }

nlohmann::json where_json(const std::vector<SweepCondition>& where) {
  nlohmann::json out = nlohmann::json::array();
  for (const SweepCondition& c : where) out.push_back({{"metric", c.metric}, {"op", c.op}, {"value", c.value}});
  return out;
}

}  // namespace

Expected<std::string> parse_rank(const std::string& text) {
  const std::string name = text == "return" ? "total_return" : text;
  const auto& names = sweep_metric_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string list = "return";
    for (const std::string& n : names) list += ", " + n;
    return usage_error("--rank " + quote_value(text) + ": rank by one of " + list);
  }
  return name;
}

Expected<std::vector<SweepCondition>> parse_where(const std::string& text) {
  std::vector<SweepCondition> out;
  std::string rest = text;
  for (std::size_t at; (at = rest.find(" and ")) != std::string::npos;) rest.replace(at, 5, ",");
  std::size_t start = 0;
  while (start <= rest.size() && !trim(rest).empty()) {
    const auto comma = rest.find(',', start);
    const std::string item = trim(rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    const auto op_at = item.find_first_of("<>=!");
    if (op_at == std::string::npos || op_at == 0) {
      return usage_error("--where " + quote_value(text) + ": each condition is METRIC OP NUMBER, e.g. max_drawdown<=0.2");
    }
    SweepCondition c;
    AIOTS_TRY_ASSIGN(metric, parse_rank(trim(item.substr(0, op_at))));
    c.metric = metric;
    std::size_t value_at = op_at + 1;
    if (value_at < item.size() && item[value_at] == '=') ++value_at;
    c.op = item.substr(op_at, value_at - op_at);
    if (c.op == "==") c.op = "=";
    if (c.op == "!") return usage_error("--where " + quote_value(text) + ": use != for not equal");
    const auto value = parse_double(trim(item.substr(value_at)));
    if (!value || !std::isfinite(*value)) {
      return usage_error("--where " + quote_value(text) + ": " + quote_value(trim(item.substr(value_at))) +
                         " is not a number");
    }
    c.value = *value;
    out.push_back(std::move(c));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string where_text(const std::vector<SweepCondition>& where) {
  std::string out;
  for (const SweepCondition& c : where) {
    out += (out.empty() ? "" : " and ") + c.metric + c.op + format_double(c.value);
  }
  return out;
}

nlohmann::json SweepDefinition::to_json() const {
  nlohmann::json windows = nlohmann::json::array();
  for (const Fold& f : folds) {
    windows.push_back({{"train_from", format_time(f.train_from, true)}, {"train_to", format_time(f.train_to, true)},
                       {"test_from", format_time(f.test_from, true)}, {"test_to", format_time(f.test_to, true)}});
  }
  return {{"folds", windows}, {"base", base.to_json()},     {"symbols", symbols}, {"data_symbols", data_symbols}, {"grid", grid},
          {"random", random},           {"seed", seed},             {"walk_forward", walk_forward},
          {"rank", rank},               {"where", where_json(where)}, {"top", top},
          {"strategy_sha256", strategy_sha256}, {"data_sha256", data_sha256}};
}

Expected<SweepDefinition> SweepDefinition::from_json(const nlohmann::json& j) {
  try {
    SweepDefinition d;
    AIOTS_TRY_ASSIGN(base, BacktestSpec::from_json(j.at("base")));
    d.base = std::move(base);
    d.symbols = j.at("symbols").get<std::vector<std::string>>();
    d.data_symbols = j.at("data_symbols").get<std::vector<std::string>>();
    d.grid = j.at("grid").get<std::vector<std::string>>();
    d.random = j.at("random").get<std::uint64_t>();
    d.seed = j.at("seed").get<std::uint64_t>();
    d.walk_forward = j.at("walk_forward").get<std::string>();
    d.rank = j.at("rank").get<std::string>();
    for (const auto& c : j.at("where")) {
      d.where.push_back({c.at("metric").get<std::string>(), c.at("op").get<std::string>(), c.at("value").get<double>()});
    }
    d.top = j.at("top").get<std::int64_t>();
    d.strategy_sha256 = j.at("strategy_sha256").get<std::string>();
    d.data_sha256 = j.at("data_sha256").get<std::map<std::string, std::string>>();
    for (const auto& f : j.at("folds")) {
      Fold fold;
      const auto day = [&](const char* key) -> Expected<Timestamp> {
        AIOTS_TRY_ASSIGN(t, parse_time(f.at(key).get<std::string>()));
        return t.ts;
      };
      AIOTS_TRY_ASSIGN(train_from, day("train_from"));
      AIOTS_TRY_ASSIGN(train_to, day("train_to"));
      AIOTS_TRY_ASSIGN(test_from, day("test_from"));
      AIOTS_TRY_ASSIGN(test_to, day("test_to"));
      d.folds.push_back(Fold{train_from, train_to, test_from, test_to});
    }
    return d;
  } catch (const std::exception& e) {
    return data_error(std::string("a sweep definition is malformed: ") + e.what());
  }
}

std::string SweepDefinition::digest() const {
  nlohmann::json j = to_json();
  j["base"]["strategy_path"] = "";
  j["base"]["data"] = nlohmann::json::array();
  j["base"]["wide"] = false;
  return sha256_hex(j.dump());
}

std::vector<std::vector<std::string>> SweepDefinition::run_data() const {
  if (symbols.empty()) return {data_symbols};
  std::vector<std::vector<std::string>> out;
  for (const std::string& s : symbols) out.push_back({s});
  return out;
}

Expected<SweepPlan> SweepPlan::make(SweepDefinition definition, const std::vector<lua::ParamDecl>& declared,
                                    const std::string& plugin, Timestamp first, Timestamp last) {
  SweepPlan plan;
  AIOTS_TRY_ASSIGN(grid, ParamGrid::parse(definition.grid, declared, plugin, definition.random, definition.seed));
  plan.m_grid = std::move(grid);
  plan.m_data = definition.run_data();
  const std::uint64_t runs_per_point = plan.m_data.size();
  if (!definition.walk_forward.empty()) {
    AIOTS_TRY_ASSIGN(spec, parse_walk_forward(definition.walk_forward));
    plan.m_folds = make_folds(spec, first, last);
    if (plan.m_folds.empty()) {
      return data_error("--walk-forward " + spec.text() + ": the data (" + format_time(first, true) + " to " +
                        format_time(last, true) + ") is shorter than one training and one test window");
    }
  }
  const std::uint64_t folds = plan.m_folds.empty() ? 1 : plan.m_folds.size();
  const double total = static_cast<double>(plan.m_grid.size()) * static_cast<double>(runs_per_point) *
                       static_cast<double>(folds);
  if (total > 1e8) {
    return usage_error("the sweep would have " + format_double(total) +
                       " runs, more than 100000000; narrow the grid or --random, or split the symbols");
  }
  plan.m_first_test = plan.m_grid.size() * runs_per_point * folds;
  plan.m_total = plan.m_first_test + (plan.m_folds.empty() ? 0 : folds * runs_per_point);
  definition.folds = plan.m_folds;
  plan.m_definition = std::move(definition);
  return plan;
}

SweepTask SweepPlan::task(std::uint64_t index) const {
  SweepTask t;
  t.index = index;
  const std::uint64_t n = m_data.size();
  if (index >= m_first_test) {
    const std::uint64_t k = index - m_first_test;
    t.phase = "test";
    t.fold = static_cast<std::int64_t>(k / n);
    t.data = static_cast<std::size_t>(k % n);
    return t;
  }
  // Grid point major, then data: the first results cover every symbol of the first point.
  t.data = static_cast<std::size_t>(index % n);
  std::uint64_t rest = index / n;
  t.combination = rest % m_grid.size();
  if (walk_forward()) {
    t.phase = "train";
    t.fold = static_cast<std::int64_t>(rest / m_grid.size());
  }
  return t;
}

BacktestSpec SweepPlan::spec(const SweepTask& task, std::optional<std::uint64_t> chosen) const {
  BacktestSpec s = m_definition.base;
  s.data = m_data[task.data];
  const std::uint64_t point = task.phase == "test" ? chosen.value_or(0) : task.combination;
  for (const auto& [k, v] : m_grid.overrides(point)) s.params[k] = v;
  if (walk_forward()) {
    const Fold& f = m_folds[static_cast<std::size_t>(task.fold)];
    const bool test = task.phase == "test";
    s.from = format_time(test ? f.test_from : f.train_from, true);
    s.to = format_time(test ? f.test_to : f.train_to, true);
  }
  return s;
}

SweepResultRow SweepPlan::row(const SweepTask& task, std::optional<std::uint64_t> chosen) const {
  SweepResultRow r;
  r.task = static_cast<std::int64_t>(task.index);
  r.fold = task.fold;
  r.phase = task.phase;
  std::string symbols;
  for (const std::string& s : m_data[task.data]) symbols += (symbols.empty() ? "" : ",") + s;
  r.symbol = symbols;
  const bool test = task.phase == "test";
  r.params = (test && !chosen) ? "{}" : m_grid.values_json(test ? *chosen : task.combination).dump();
  return r;
}

}  // namespace aiots::cli
