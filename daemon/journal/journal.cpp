#include "journal/journal.hpp"

#include <filesystem>

#include "util/sha256.hpp"

namespace aiots {

Expected<void> create_journal_tables(Database& db) {
  // FULL: each commit is fsynced, so an acknowledged event survives a power cut, not only a crash.
  return db.exec("PRAGMA synchronous=FULL;"
                 "CREATE TABLE IF NOT EXISTS journal ("
                 "  seq INTEGER PRIMARY KEY,"
                 "  ts INTEGER NOT NULL,"
                 "  kind TEXT NOT NULL,"
                 "  strategy TEXT NOT NULL,"
                 "  data TEXT NOT NULL);"
                 // seq: the last journal record the checkpoint covers.
                 "CREATE TABLE IF NOT EXISTS checkpoints ("
                 "  seq INTEGER PRIMARY KEY,"
                 "  created INTEGER NOT NULL,"
                 "  sha256 TEXT NOT NULL,"
                 "  data TEXT NOT NULL);");
}

Expected<void> each_record(Database& db, std::int64_t after, const RecordVisitor& visit) {
  AIOTS_TRY_ASSIGN(s, db.prepare("SELECT seq, ts, kind, strategy, data FROM journal WHERE seq > ? ORDER BY seq"));
  s.bind(1, after);
  JournalRecord r;
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) return {};
    r.seq = s.column_int(0);
    r.ts = s.column_int(1);
    r.kind = s.column_text(2);
    r.strategy = s.column_text(3);
    r.data = nlohmann::json::parse(s.column_text(4), nullptr, false);
    if (r.data.is_discarded()) {
      return data_error(db.path() + ": record " + std::to_string(r.seq) + " is not valid JSON");
    }
    AIOTS_TRY(visit(r));
  }
}

Expected<void> each_archived_record(Database* archive, Database& journal, const RecordVisitor& visit) {
  std::int64_t last = 0;
  if (archive != nullptr) {
    AIOTS_TRY(each_record(*archive, 0, [&](const JournalRecord& r) {
      last = r.seq;
      return visit(r);
    }));
  }
  return each_record(journal, last, visit);
}

Expected<std::vector<JournalCheckpoint>> read_checkpoints(Database& db) {
  AIOTS_TRY_ASSIGN(s, db.prepare("SELECT seq, created, sha256, data FROM checkpoints ORDER BY seq"));
  std::vector<JournalCheckpoint> out;
  while (true) {
    AIOTS_TRY_ASSIGN(row, s.step());
    if (!row) break;
    out.push_back(JournalCheckpoint{s.column_int(0), s.column_int(1), s.column_text(3), s.column_text(2)});
  }
  return out;
}

Expected<Journal> Journal::open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  AIOTS_TRY_ASSIGN(db, Database::open(path, true));
  AIOTS_TRY(create_journal_tables(db));
  Journal j(std::move(db));
  AIOTS_TRY_ASSIGN(insert, j.m_db.prepare("INSERT INTO journal (ts, kind, strategy, data) VALUES (?, ?, ?, ?)"));
  j.m_insert = std::move(insert);
  AIOTS_TRY_ASSIGN(seq, j.max_seq());
  j.m_committed_seq = seq;
  return j;
}

Expected<std::int64_t> Journal::max_seq() {
  AIOTS_TRY_ASSIGN(s, m_db.prepare("SELECT coalesce(max(seq), 0) FROM journal"));
  AIOTS_TRY_ASSIGN(row, s.step());
  return row ? s.column_int(0) : 0;
}

Expected<void> Journal::insert(const Pending& r) {
  m_insert.bind(1, r.ts).bind(2, r.kind).bind(3, r.strategy).bind(4, r.data);
  return m_insert.run();
}

void Journal::abandon() {
  if (m_in_transaction) (void)m_db.exec("ROLLBACK");  // SQLite may have rolled back already
  m_in_transaction = false;
  m_failing = true;
}

Expected<void> Journal::begin() {
  AIOTS_TRY(m_db.exec("BEGIN IMMEDIATE"));
  m_in_transaction = true;
  if (m_failing && !m_batch.empty()) {
    // A commit that reported failure may still have landed (an fsync error after the write):
    // then its records are there already and must not be written twice.
    AIOTS_TRY_ASSIGN(seq, max_seq());
    std::size_t landed = static_cast<std::size_t>(std::max<std::int64_t>(0, seq - m_committed_seq));
    landed = std::min(landed, m_batch.size());
    for (std::size_t i = landed; i < m_batch.size(); ++i) AIOTS_TRY(insert(m_batch[i]));
    m_committed += static_cast<std::int64_t>(landed);
    m_committed_seq += static_cast<std::int64_t>(landed);
    m_batch.erase(m_batch.begin(), m_batch.begin() + static_cast<std::ptrdiff_t>(landed));
  }
  return {};
}

Expected<void> Journal::append(Timestamp ts, std::string_view kind, std::string_view strategy,
                               const nlohmann::json& data) {
  // Kept first: a record that cannot be written now is written by the next good commit.
  m_batch.push_back(Pending{ts, std::string(kind), std::string(strategy), data.dump()});
  if (m_failing) {
    return {};  // written with the batch once a commit succeeds
  }
  if (!m_in_transaction) {
    if (auto b = begin(); !b) {
      abandon();
      return b;
    }
  }
  if (auto r = insert(m_batch.back()); !r) {
    abandon();
    return r;
  }
  return {};
}

Expected<void> Journal::insert_checkpoint() {
  AIOTS_TRY_ASSIGN(seq, max_seq());
  AIOTS_TRY_ASSIGN(s, m_db.prepare("INSERT OR REPLACE INTO checkpoints (seq, created, sha256, data) VALUES (?, ?, ?, ?)"));
  const auto created = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  s.bind(1, seq).bind(2, static_cast<std::int64_t>(created)).bind(3, sha256_hex(*m_checkpoint)).bind(4, *m_checkpoint);
  return s.run();
}

Expected<void> Journal::commit() {
  if (m_batch.empty() && !m_checkpoint) {
    return {};
  }
  const auto t0 = std::chrono::steady_clock::now();
  if (!m_in_transaction) {
    if (auto b = begin(); !b) {
      abandon();
      return b;
    }
  }
  if (m_checkpoint) {
    auto written = insert_checkpoint();
    if (written) written = m_db.exec("COMMIT");
    m_checkpoint.reset();
    if (!written) {
      abandon();
      return written;
    }
  } else if (auto c = m_db.exec("COMMIT"); !c) {
    abandon();
    return c;
  }
  m_in_transaction = false;
  m_failing = false;
  m_latencies.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (m_latencies.size() > 100'000) {
    m_latencies.erase(m_latencies.begin(), m_latencies.begin() + 50'000);
  }
  m_committed += static_cast<std::int64_t>(m_batch.size());
  m_committed_seq += static_cast<std::int64_t>(m_batch.size());
  m_batch.clear();
  ++m_commits;
  return {};
}

Expected<std::int64_t> Journal::first_seq() {
  AIOTS_TRY_ASSIGN(s, m_db.prepare("SELECT coalesce(min(seq), 0) FROM journal"));
  AIOTS_TRY_ASSIGN(row, s.step());
  return row ? s.column_int(0) : 0;
}

}  // namespace aiots
