#include "store/runs_store.hpp"

namespace aiots {
namespace {

RunRow read_run(const Statement& s) {
  return RunRow{s.column_int(0),  s.column_text(1), s.column_text(2), s.column_text(3),
                s.column_text(4), s.column_text(5), s.column_text(6)};
}

constexpr std::string_view k_select = "SELECT id, created_at, strategy, symbols, status, manifest, result FROM runs";

}  // namespace

Expected<std::int64_t> insert_run(Database& db, const RunRow& run) {
  AIOTS_TRY_ASSIGN(ins, db.prepare("INSERT INTO runs (created_at, strategy, symbols, status, manifest, result) "
                                   "VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?, ?)"));
  ins.bind(1, run.strategy).bind(2, run.symbols).bind(3, run.status).bind(4, run.manifest).bind(5, run.result);
  AIOTS_TRY(ins.run());
  return db.last_insert_id();
}

Expected<RunTradeInserter> RunTradeInserter::open(Database& db, std::int64_t run_id) {
  AIOTS_TRY_ASSIGN(insert, db.prepare("INSERT INTO run_trades VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return RunTradeInserter(std::move(insert), run_id);
}

Expected<void> RunTradeInserter::add(const RunTradeRow& r) {
  Statement& t = m_insert;
  t.bind(1, m_run_id).bind(2, ++m_seq).bind(3, r.symbol).bind(4, r.direction).bind(5, r.quantity);
  t.bind(6, r.entry_time).bind(7, r.exit_time).bind(8, r.entry_price).bind(9, r.exit_price).bind(10, r.pnl);
  t.bind(11, r.commission).bind(12, r.bars);
  return t.run();
}

Expected<std::vector<RunRow>> list_runs(Database& db) {
  AIOTS_TRY_ASSIGN(s, db.prepare(std::string(k_select) + " ORDER BY id DESC"));
  std::vector<RunRow> out;
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) {
      break;
    }
    out.push_back(read_run(s));
  }
  return out;
}

Expected<RunRow> find_run(Database& db, std::int64_t id) {
  AIOTS_TRY_ASSIGN(s, db.prepare(std::string(k_select) + " WHERE id = ?"));
  s.bind(1, id);
  AIOTS_TRY_ASSIGN(row, s.step());
  if (!row) {
    return data_error("no run " + std::to_string(id) + " (see 'aiots runs list')");
  }
  return read_run(s);
}

Expected<std::vector<RunTradeRow>> run_trades(Database& db, std::int64_t id) {
  AIOTS_TRY_ASSIGN(s, db.prepare("SELECT symbol, direction, quantity, entry_time, exit_time, entry_price, exit_price, "
                                 "pnl, commission, bars FROM run_trades WHERE run_id = ? ORDER BY seq"));
  s.bind(1, id);
  std::vector<RunTradeRow> out;
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) {
      break;
    }
    out.push_back(RunTradeRow{s.column_text(0), s.column_text(1), s.column_int(2), s.column_text(3), s.column_text(4),
                              s.column_double(5), s.column_double(6), s.column_double(7), s.column_double(8),
                              s.column_int(9)});
  }
  return out;
}

Expected<void> delete_run(Database& db, std::int64_t id) {
  AIOTS_TRY(find_run(db, id));
  AIOTS_TRY_ASSIGN(s, db.prepare("DELETE FROM runs WHERE id = ?"));
  s.bind(1, id);
  return s.run();
}

}  // namespace aiots
