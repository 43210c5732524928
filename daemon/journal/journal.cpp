#include "journal/journal.hpp"

#include <filesystem>

namespace aiots {

Expected<Journal> Journal::open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  AIOTS_TRY_ASSIGN(db, Database::open(path, true));
  // FULL: each commit is fsynced, so an acknowledged event survives a power cut, not only a crash.
  AIOTS_TRY(db.exec("PRAGMA synchronous=FULL;"
                    "CREATE TABLE IF NOT EXISTS journal ("
                    "  seq INTEGER PRIMARY KEY,"
                    "  ts INTEGER NOT NULL,"
                    "  kind TEXT NOT NULL,"
                    "  strategy TEXT NOT NULL,"
                    "  data TEXT NOT NULL);"));
  Journal j(std::move(db));
  AIOTS_TRY_ASSIGN(insert, j.m_db.prepare("INSERT INTO journal (ts, kind, strategy, data) VALUES (?, ?, ?, ?)"));
  j.m_insert = std::move(insert);
  return j;
}

Expected<void> Journal::append(Timestamp ts, std::string_view kind, std::string_view strategy,
                               const nlohmann::json& data) {
  if (!m_in_transaction) {
    AIOTS_TRY(m_db.exec("BEGIN IMMEDIATE"));
    m_in_transaction = true;
  }
  m_insert.bind(1, ts).bind(2, kind).bind(3, strategy).bind(4, data.dump());
  AIOTS_TRY(m_insert.run());
  ++m_pending;
  return {};
}

Expected<void> Journal::commit() {
  if (!m_in_transaction) {
    return {};
  }
  const auto t0 = std::chrono::steady_clock::now();
  AIOTS_TRY(m_db.exec("COMMIT"));
  m_in_transaction = false;
  m_latencies.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (m_latencies.size() > 100'000) {
    m_latencies.erase(m_latencies.begin(), m_latencies.begin() + 50'000);
  }
  m_committed += m_pending;
  m_pending = 0;
  ++m_commits;
  return {};
}

Expected<std::vector<JournalRecord>> Journal::read_all() {
  AIOTS_TRY_ASSIGN(s, m_db.prepare("SELECT seq, ts, kind, strategy, data FROM journal ORDER BY seq"));
  std::vector<JournalRecord> out;
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) {
      break;
    }
    JournalRecord r{s.column_int(0), s.column_int(1), s.column_text(2), s.column_text(3), {}};
    r.data = nlohmann::json::parse(s.column_text(4), nullptr, false);
    if (r.data.is_discarded()) {
      return data_error(path() + ": record " + std::to_string(r.seq) + " is not valid JSON");
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace aiots
