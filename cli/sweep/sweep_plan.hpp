// What a sweep is (its definition, stored with it and written into a Slurm plan) and the runs it
// consists of, each addressed by its task index: grid point x symbol, or for walk-forward the
// training runs of every fold, then one test run per fold and symbol.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backtest/backtest_run.hpp"
#include "store/sweeps_store.hpp"
#include "sweep/param_grid.hpp"
#include "sweep/walk_forward.hpp"

namespace aiots::cli {

struct SweepDefinition {
  BacktestSpec base;                 // every run's settings; -p values fixed for all runs
  std::vector<std::string> symbols;  // one run per symbol (empty: every run uses base.data)
  std::vector<std::string> data_symbols;  // the symbols base.data holds (a file's, or the stored ones)
  std::vector<std::string> grid;     // -g items
  std::uint64_t random = 0;          // > 0: that many random points instead of the grid
  std::uint64_t seed = 0;            // of random search (and math.random, as base.seed)
  std::string walk_forward;          // empty: none
  std::string rank = "sharpe";
  std::vector<SweepCondition> where;
  std::int64_t top = 10;
  std::string strategy_sha256;                 // the strategy's text when the sweep began
  std::map<std::string, std::string> data_sha256;  // each symbol's bars when the sweep began
  std::vector<Fold> folds;                     // walk-forward windows, as the plan made them

  nlohmann::json to_json() const;
  static Expected<SweepDefinition> from_json(const nlohmann::json& j);
  // The sha256 of what defines the results: the definition without the strategy's and the
  // data's paths (their contents are in the hashes), so the same sweep planned elsewhere has
  // the same digest.
  std::string digest() const;
  // The data of the runs: each of `symbols` alone, or all of `data_symbols` together.
  std::vector<std::vector<std::string>> run_data() const;
};

// Parses a --where text: conditions METRIC OP NUMBER joined by ',' or ' and '.
Expected<std::vector<SweepCondition>> parse_where(const std::string& text);
std::string where_text(const std::vector<SweepCondition>& where);
// Checks a --rank name (return is total_return).
Expected<std::string> parse_rank(const std::string& text);

struct SweepTask {
  std::uint64_t index = 0;
  std::int64_t fold = 0;
  std::string phase = "run";  // run | train | test
  std::size_t data = 0;       // into run_data()
  std::uint64_t combination = 0;  // train and run tasks
};

class SweepPlan {
public:
  // `declared`: the strategy's params; `first`/`last`: the span every run's data covers (for
  // walk-forward folds).
  static Expected<SweepPlan> make(SweepDefinition definition, const std::vector<lua::ParamDecl>& declared,
                                  const std::string& plugin, Timestamp first, Timestamp last);

  const SweepDefinition& definition() const { return m_definition; }
  const ParamGrid& grid() const { return m_grid; }
  const std::vector<Fold>& folds() const { return m_folds; }
  bool walk_forward() const { return !m_definition.walk_forward.empty(); }
  std::uint64_t total() const { return m_total; }
  // Tasks below this are grid or training runs; walk-forward test runs follow.
  std::uint64_t first_test() const { return m_first_test; }
  SweepTask task(std::uint64_t index) const;
  // The spec of a task; a test task takes the parameters chosen on its fold's training window.
  BacktestSpec spec(const SweepTask& task, std::optional<std::uint64_t> chosen = std::nullopt) const;
  // The result row of a task before it runs (its identity: symbol, params, fold, phase).
  SweepResultRow row(const SweepTask& task, std::optional<std::uint64_t> chosen = std::nullopt) const;

private:
  SweepDefinition m_definition;
  ParamGrid m_grid;
  std::vector<std::vector<std::string>> m_data;
  std::vector<Fold> m_folds;
  std::uint64_t m_total = 0;
  std::uint64_t m_first_test = 0;
};

}  // namespace aiots::cli
