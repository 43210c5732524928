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

// Inserts a run with its trades; returns its id. Call inside a transaction.
Expected<std::int64_t> insert_run(Database& db, const RunRow& run, const std::vector<RunTradeRow>& trades);
// Lists runs, newest first (manifest and result included).
Expected<std::vector<RunRow>> list_runs(Database& db);
// Returns one run; a data error if there is none with that id.
Expected<RunRow> find_run(Database& db, std::int64_t id);
Expected<std::vector<RunTradeRow>> run_trades(Database& db, std::int64_t id);
// Deletes a run and its trades; a data error if there is none.
Expected<void> delete_run(Database& db, std::int64_t id);

}  // namespace aiots
