#include "store/sweeps_store.hpp"

#include <algorithm>
#include <cmath>

namespace aiots {
namespace {

constexpr std::string_view k_select_sweep =
    "SELECT s.id, s.created_at, s.strategy, s.definition, s.digest, s.total, s.status, "
    "(SELECT count(*) FROM sweep_results r WHERE r.sweep_id = s.id), "
    "(SELECT count(*) FROM sweep_results r WHERE r.sweep_id = s.id AND r.status <> 'completed') FROM sweeps s";

constexpr std::string_view k_result_columns =
    "task, fold, phase, symbol, params, status, error, total_return, cagr, sharpe, sortino, calmar, "
    "max_drawdown, volatility, win_rate, profit_factor, exposure, trades, final_equity";

SweepRow read_sweep(const Statement& s) {
  return SweepRow{s.column_int(0),  s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4),
                  s.column_int(5),  s.column_text(6), s.column_int(7),  s.column_int(8)};
}

SweepResultRow read_result(const Statement& s) {
  SweepResultRow r;
  r.task = s.column_int(0);
  r.fold = s.column_int(1);
  r.phase = s.column_text(2);
  r.symbol = s.column_text(3);
  r.params = s.column_text(4);
  r.status = s.column_text(5);
  r.error = s.column_is_null(6) ? "" : s.column_text(6);
  SweepMetrics& m = r.metrics;
  m.total_return = s.column_double(7);
  m.cagr = s.column_double(8);
  m.sharpe = s.column_double(9);
  m.sortino = s.column_double(10);
  m.calmar = s.column_double(11);
  m.max_drawdown = s.column_double(12);
  m.volatility = s.column_double(13);
  m.win_rate = s.column_double(14);
  m.profit_factor = s.column_double(15);
  m.exposure = s.column_double(16);
  m.trades = s.column_int(17);
  m.final_equity = s.column_double(18);
  return r;
}

// A metric as ranked and filtered: drawdowns by their size (max_drawdown<=0.2 keeps runs that
// lost at most 20% from a peak; the column keeps the backtest's negative sign).
std::string metric_sql(const std::string& name) { return name == "max_drawdown" ? "abs(max_drawdown)" : name; }

bool known_op(std::string_view op) {
  return op == "<" || op == "<=" || op == ">" || op == ">=" || op == "=" || op == "!=";
}

// The WHERE clause of a query (names checked against the metric list, values bound), and the
// values to bind from parameter 2 on (1 is the sweep id).
Expected<std::string> where_sql(const SweepQuery& q, std::vector<double>& values, std::vector<std::string>& texts) {
  std::string sql = " WHERE sweep_id = ? AND status = 'completed' AND phase = ?";
  texts.push_back(q.phase);
  if (q.fold) {
    sql += " AND fold = " + std::to_string(*q.fold);
  }
  if (q.symbol) {
    sql += " AND symbol = ?";
    texts.push_back(*q.symbol);
  }
  for (const SweepCondition& c : q.where) {
    const auto& names = sweep_metric_names();
    if (std::find(names.begin(), names.end(), c.metric) == names.end() || !known_op(c.op)) {
      return usage_error("cannot filter on " + c.metric + " " + c.op);
    }
    // A metric that is undefined for a run (NULL) passes no condition.
    sql += " AND " + c.metric + " IS NOT NULL AND " + metric_sql(c.metric) + " " + c.op + " ?";
    values.push_back(c.value);
  }
  return sql;
}

Expected<Statement> prepare_ranked(Database& db, std::int64_t sweep_id, const SweepQuery& q, bool count) {
  const auto& names = sweep_metric_names();
  if (std::find(names.begin(), names.end(), q.rank_by) == names.end()) {
    return usage_error("cannot rank by " + q.rank_by);
  }
  std::vector<double> values;
  std::vector<std::string> texts;
  AIOTS_TRY_ASSIGN(where, where_sql(q, values, texts));
  std::string sql = count ? "SELECT count(*) FROM sweep_results" + where
                          : "SELECT " + std::string(k_result_columns) + " FROM sweep_results" + where;
  if (!count) {
    // Undefined values rank last; equal ones keep the sweep's order.
    sql += " ORDER BY " + q.rank_by + " IS NULL, " + metric_sql(q.rank_by) + (lower_is_better(q.rank_by) ? " ASC" : " DESC") +
           ", task ASC";
    if (q.limit >= 0) sql += " LIMIT " + std::to_string(q.limit);
  }
  AIOTS_TRY_ASSIGN(s, db.prepare(sql));
  int index = 1;
  s.bind(index++, sweep_id);
  for (const std::string& t : texts) s.bind(index++, std::string_view(t));
  for (double v : values) s.bind(index++, v);
  return s;
}

}  // namespace

const std::vector<std::string>& sweep_metric_names() {
  static const std::vector<std::string> names = {"total_return", "cagr",     "sharpe",        "sortino",
                                                 "calmar",       "max_drawdown", "volatility", "win_rate",
                                                 "profit_factor", "exposure", "trades",        "final_equity"};
  return names;
}

double sweep_metric(const SweepMetrics& m, std::string_view name) {
  if (name == "total_return") return m.total_return;
  if (name == "cagr") return m.cagr;
  if (name == "sharpe") return m.sharpe;
  if (name == "sortino") return m.sortino;
  if (name == "calmar") return m.calmar;
  if (name == "max_drawdown") return m.max_drawdown;
  if (name == "volatility") return m.volatility;
  if (name == "win_rate") return m.win_rate;
  if (name == "profit_factor") return m.profit_factor;
  if (name == "exposure") return m.exposure;
  if (name == "trades") return static_cast<double>(m.trades);
  if (name == "final_equity") return m.final_equity;
  return std::nan("");
}

double ranked_metric(const SweepMetrics& m, std::string_view name) {
  const double v = sweep_metric(m, name);
  return name == "max_drawdown" ? std::abs(v) : v;
}

bool lower_is_better(std::string_view metric) { return metric == "max_drawdown" || metric == "volatility"; }

Expected<std::int64_t> insert_sweep(Database& db, const SweepRow& sweep) {
  AIOTS_TRY_ASSIGN(ins, db.prepare("INSERT INTO sweeps (created_at, strategy, definition, digest, total, status) "
                                   "VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?, ?)"));
  ins.bind(1, sweep.strategy).bind(2, sweep.definition).bind(3, sweep.digest).bind(4, sweep.total);
  ins.bind(5, sweep.status);
  AIOTS_TRY(ins.run());
  return db.last_insert_id();
}

Expected<void> set_sweep_status(Database& db, std::int64_t id, std::string_view status) {
  AIOTS_TRY_ASSIGN(s, db.prepare("UPDATE sweeps SET status = ? WHERE id = ?"));
  s.bind(1, status).bind(2, id);
  return s.run();
}

Expected<SweepRow> find_sweep(Database& db, std::int64_t id) {
  AIOTS_TRY_ASSIGN(s, db.prepare(std::string(k_select_sweep) + " WHERE s.id = ?"));
  s.bind(1, id);
  AIOTS_TRY_ASSIGN(row, s.step());
  if (!row) return data_error("no sweep " + std::to_string(id) + " (see 'aiots sweep list')");
  return read_sweep(s);
}

Expected<std::vector<SweepRow>> list_sweeps(Database& db) {
  AIOTS_TRY_ASSIGN(s, db.prepare(std::string(k_select_sweep) + " ORDER BY s.id DESC"));
  std::vector<SweepRow> out;
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) break;
    out.push_back(read_sweep(s));
  }
  return out;
}

Expected<void> delete_sweep(Database& db, std::int64_t id) {
  AIOTS_TRY_ASSIGN(s, db.prepare("DELETE FROM sweeps WHERE id = ?"));
  s.bind(1, id);
  AIOTS_TRY(s.run());
  if (db.changes() == 0) return data_error("no sweep " + std::to_string(id) + " (see 'aiots sweep list')");
  return {};
}

Expected<void> insert_sweep_result(Database& db, std::int64_t sweep_id, const SweepResultRow& r) {
  AIOTS_TRY_ASSIGN(ins, db.prepare("INSERT INTO sweep_results (sweep_id, " + std::string(k_result_columns) +
                                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  const SweepMetrics& m = r.metrics;
  ins.bind(1, sweep_id).bind(2, r.task).bind(3, r.fold).bind(4, r.phase).bind(5, r.symbol).bind(6, r.params);
  ins.bind(7, r.status);
  if (r.error.empty()) {
    ins.bind_null(8);
  } else {
    ins.bind(8, r.error);
  }
  ins.bind(9, m.total_return).bind(10, m.cagr).bind(11, m.sharpe).bind(12, m.sortino).bind(13, m.calmar);
  ins.bind(14, m.max_drawdown).bind(15, m.volatility).bind(16, m.win_rate).bind(17, m.profit_factor);
  ins.bind(18, m.exposure).bind(19, m.trades).bind(20, m.final_equity);
  return ins.run();
}

Expected<std::vector<bool>> finished_sweep_tasks(Database& db, std::int64_t sweep_id, std::int64_t total) {
  std::vector<bool> done(static_cast<std::size_t>(std::max<std::int64_t>(total, 0)), false);
  AIOTS_TRY_ASSIGN(s, db.prepare("SELECT task FROM sweep_results WHERE sweep_id = ?"));
  s.bind(1, sweep_id);
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) break;
    const std::int64_t task = s.column_int(0);
    if (task >= 0 && task < total) done[static_cast<std::size_t>(task)] = true;
  }
  return done;
}

Expected<void> for_each_ranked(Database& db, std::int64_t sweep_id, const SweepQuery& query,
                               const std::function<Expected<void>(const SweepResultRow&)>& each) {
  AIOTS_TRY_ASSIGN(s, prepare_ranked(db, sweep_id, query, false));
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) break;
    AIOTS_TRY(each(read_result(s)));
  }
  return {};
}

Expected<void> for_each_result(Database& db, std::int64_t sweep_id, std::string_view phase,
                               const std::function<Expected<void>(const SweepResultRow&)>& each) {
  AIOTS_TRY_ASSIGN(s, db.prepare("SELECT " + std::string(k_result_columns) +
                                 " FROM sweep_results WHERE sweep_id = ? AND phase = ? ORDER BY task"));
  s.bind(1, sweep_id).bind(2, phase);
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) break;
    AIOTS_TRY(each(read_result(s)));
  }
  return {};
}

Expected<std::int64_t> count_ranked(Database& db, std::int64_t sweep_id, const SweepQuery& query) {
  AIOTS_TRY_ASSIGN(s, prepare_ranked(db, sweep_id, query, true));
  AIOTS_TRY(s.step());
  return s.column_int(0);
}

}  // namespace aiots
