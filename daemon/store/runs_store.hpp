// Recorded backtest runs: manifest, result and trades, for `aiots runs`.
#pragma once

#include <string>
#include <vector>

#include "store/database.hpp"

namespace aiots {

struct RunTradeRow {
  std::string symbol;
  std::string direction;
  std::int64_t quantity = 0;
  std::string entry_time;
  std::string exit_time;
  double entry_price = 0;
  double exit_price = 0;
  double pnl = 0;
  double commission = 0;
  std::int64_t bars = 0;
};

struct RunRow {
  std::int64_t id = 0;
  std::string created_at;
  std::string strategy;
  std::string symbols;
  std::string status;
  std::string manifest;  // JSON text
  std::string result;    // JSON text
};

// Inserts a run; returns its id. Call inside a transaction, and add its trades in the same one.
Expected<std::int64_t> insert_run(Database& db, const RunRow& run);

// Appends a run's trades one at a time, numbered in order (a long run's trades are never all
// held as rows at once).
class RunTradeInserter {
public:
  static Expected<RunTradeInserter> open(Database& db, std::int64_t run_id);
  Expected<void> add(const RunTradeRow& row);

private:
  RunTradeInserter(Statement insert, std::int64_t run_id) : m_insert(std::move(insert)), m_run_id(run_id) {}
  Statement m_insert;
  std::int64_t m_run_id;
  std::int64_t m_seq = 0;
};
// Lists runs, newest first (manifest and result included).
Expected<std::vector<RunRow>> list_runs(Database& db);
// Returns one run; a data error if there is none with that id.
Expected<RunRow> find_run(Database& db, std::int64_t id);
Expected<std::vector<RunTradeRow>> run_trades(Database& db, std::int64_t id);
// Deletes a run and its trades; a data error if there is none.
Expected<void> delete_run(Database& db, std::int64_t id);

}  // namespace aiots
