// Parameter sweeps in the store: each sweep's definition, and one row per finished run, written
// the moment it finishes so that a killed sweep resumes where it stopped (`aiots sweep`).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace aiots {

// What a sweep keeps of a run: its headline metrics (NaN where undefined, e.g. the Sharpe ratio
// of a flat curve).
struct SweepMetrics {
  double total_return = 0;
  double cagr = 0;
  double sharpe = 0;
  double sortino = 0;
  double calmar = 0;
  double max_drawdown = 0;
  double volatility = 0;
  double win_rate = 0;
  double profit_factor = 0;
  double exposure = 0;
  double final_equity = 0;
  std::int64_t trades = 0;
};

// The metric columns a sweep ranks and filters on, in table order.
const std::vector<std::string>& sweep_metric_names();
// A metric's value by name (a name from sweep_metric_names()).
double sweep_metric(const SweepMetrics& m, std::string_view name);

struct SweepRow {
  std::int64_t id = 0;
  std::string created_at;
  std::string strategy;
  std::string definition;  // JSON text
  std::string digest;
  std::int64_t total = 0;
  std::string status;  // running | done
  std::int64_t finished = 0;  // runs with a result row
  std::int64_t failed = 0;    // of those, runs that did not complete
};

struct SweepResultRow {
  std::int64_t task = 0;
  std::int64_t fold = 0;
  std::string phase = "run";  // run | train | test
  std::string symbol;
  std::string params;  // JSON object text
  std::string status;  // completed | stopped | failed
  std::string error;
  SweepMetrics metrics;
};

// One condition of a --where filter: METRIC OP VALUE, OP one of < <= > >= = !=.
struct SweepCondition {
  std::string metric;
  std::string op;
  double value = 0;
};

// Which results to rank, how, and how many.
struct SweepQuery {
  std::string phase = "run";
  std::optional<std::int64_t> fold;
  std::optional<std::string> symbol;
  std::string rank_by = "sharpe";  // a metric; higher ranks first (max_drawdown, volatility: lower)
  std::vector<SweepCondition> where;
  std::int64_t limit = -1;  // -1: all
};

Expected<std::int64_t> insert_sweep(Database& db, const SweepRow& sweep);
Expected<void> set_sweep_status(Database& db, std::int64_t id, std::string_view status);
// Returns one sweep with its counts; a data error names an unknown id.
Expected<SweepRow> find_sweep(Database& db, std::int64_t id);
// Every sweep, newest first, with its counts.
Expected<std::vector<SweepRow>> list_sweeps(Database& db);
// Deletes a sweep and its results; a data error if there is none.
Expected<void> delete_sweep(Database& db, std::int64_t id);

Expected<void> insert_sweep_result(Database& db, std::int64_t sweep_id, const SweepResultRow& row);
// Which of the sweep's `total` tasks have a result.
Expected<std::vector<bool>> finished_sweep_tasks(Database& db, std::int64_t sweep_id, std::int64_t total);
// Calls `each` with the completed results matching `query`, best first; ties keep task order,
// so the ranking does not depend on the order in which runs finished.
Expected<void> for_each_ranked(Database& db, std::int64_t sweep_id, const SweepQuery& query,
                               const std::function<Expected<void>(const SweepResultRow&)>& each);
// Calls `each` with every result of `phase` (completed or not), in task order.
Expected<void> for_each_result(Database& db, std::int64_t sweep_id, std::string_view phase,
                               const std::function<Expected<void>(const SweepResultRow&)>& each);
// How many completed results match `query` (its limit ignored).
Expected<std::int64_t> count_ranked(Database& db, std::int64_t sweep_id, const SweepQuery& query);
// A metric's value as ranking and --where see it: max_drawdown by its size (positive).
double ranked_metric(const SweepMetrics& m, std::string_view name);
// True when lower ranked values of `metric` are better (drawdown size, volatility).
bool lower_is_better(std::string_view metric);

}  // namespace aiots
