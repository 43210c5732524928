// Journal compaction: old records move into an archive database so that the live journal stays
// small. The cut is always at a checkpoint, which the live journal keeps: a restart loads it and
// never needs the archive; journal verify --archive replays archive and journal as one.
#include <filesystem>

#include "journal/journal.hpp"

namespace aiots {
namespace {

// The first column of the first row of `sql` (with `bind` bound to ?1), or nullopt for NULL.
Expected<std::optional<std::int64_t>> scalar(Database& db, const std::string& sql, std::optional<std::int64_t> bind = {}) {
  AIOTS_TRY_ASSIGN(s, db.prepare(sql));
  if (bind) s.bind(1, *bind);
  AIOTS_TRY_ASSIGN(row, s.step());
  if (!row || s.column_is_null(0)) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{s.column_int(0)};
}

// What this journal's archive must continue: it ends where the journal begins (or is empty), and
// a record both hold is the same record.
Expected<void> check_archive_continues(Database& live, const std::string& archive, std::int64_t first) {
  AIOTS_TRY_ASSIGN(last, scalar(live, "SELECT max(seq) FROM archive.journal"));
  if (!last) return {};
  if (*last < first - 1) {
    return data_error(archive + " ends at record " + std::to_string(*last) + " but the journal begins at record " +
                      std::to_string(first) + ": it is not this journal's archive");
  }
  AIOTS_TRY_ASSIGN(differ, scalar(live,
                                  "SELECT count(*) FROM archive.journal a JOIN main.journal m ON a.seq = m.seq "
                                  "WHERE a.ts <> m.ts OR a.kind <> m.kind OR a.strategy <> m.strategy OR a.data <> m.data"));
  if (differ.value_or(0) > 0) {
    return data_error(archive + " holds records that differ from the journal's: it is not this journal's archive");
  }
  return {};
}

}  // namespace

std::string default_archive_path(const std::string& journal) {
  const std::filesystem::path p(journal);
  return (p.parent_path() / (p.stem().string() + "-archive" + p.extension().string())).string();
}

Expected<nlohmann::json> Journal::compact(const std::string& archive, Timestamp before) {
  if (m_failing) {
    return data_error("JOURNAL_WRITE_FAILED: the journal cannot be written now; nothing was compacted");
  }
  AIOTS_TRY(commit());
  AIOTS_TRY_ASSIGN(first, first_seq());
  // The cut: the last checkpoint before the first record that happened at or after `before`.
  AIOTS_TRY_ASSIGN(first_kept_event, scalar(m_db, "SELECT min(seq) FROM journal WHERE ts <> 0 AND ts >= ?1", before));
  AIOTS_TRY_ASSIGN(last_seq, max_seq());
  const std::int64_t limit = first_kept_event.value_or(last_seq + 1);
  AIOTS_TRY_ASSIGN(cut, scalar(m_db, "SELECT max(seq) FROM checkpoints WHERE seq < ?1", limit));
  nlohmann::json out = {{"archive", archive}, {"archived", 0}, {"first_seq", first}, {"through", nullptr}};
  if (!cut || *cut <= first) {
    out["reason"] = "no checkpoint between the first record and the first event at or after that date: nothing can "
                    "move without losing what a restart needs (checkpoints come every journal_checkpoint_every records "
                    "and at every clean stop)";
    return out;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::absolute(archive).parent_path(), ec);
  {
    AIOTS_TRY_ASSIGN(db, Database::open(archive, true));
    AIOTS_TRY(create_journal_tables(db));
  }
  AIOTS_TRY_ASSIGN(attach, m_db.prepare("ATTACH DATABASE ?1 AS archive"));
  attach.bind(1, std::string_view(archive));
  AIOTS_TRY(attach.run());
  const auto moved = [&]() -> Expected<std::int64_t> {
    AIOTS_TRY(m_db.exec("PRAGMA archive.synchronous=FULL"));
    AIOTS_TRY(check_archive_continues(m_db, archive, first));
    // 1. Into the archive, durably (its own transaction: SQLite commits attached WAL databases
    //    one by one, so the archive is complete before anything below deletes).
    AIOTS_TRY(m_db.exec("BEGIN IMMEDIATE"));
    const std::string through = std::to_string(*cut);
    if (auto copied = m_db.exec("INSERT OR IGNORE INTO archive.journal SELECT * FROM main.journal WHERE seq <= " + through +
                                "; INSERT OR IGNORE INTO archive.checkpoints SELECT * FROM main.checkpoints WHERE seq <= " +
                                through + "; COMMIT");
        !copied) {
      (void)m_db.exec("ROLLBACK");
      return tl::make_unexpected(copied.error());
    }
    AIOTS_TRY_ASSIGN(held, scalar(m_db, "SELECT count(*) FROM archive.journal WHERE seq >= ?1 AND seq <= " + through, first));
    if (held.value_or(0) != *cut - first + 1) {
      return data_error(archive + ": the archive does not hold every record " + std::to_string(first) + ".." + through +
                        " after copying; nothing was deleted from the journal");
    }
    // 2. Out of the journal: everything before the cut's checkpoint (its record stays too).
    AIOTS_TRY(m_db.exec("BEGIN IMMEDIATE"));
    if (auto deleted = m_db.exec("DELETE FROM main.journal WHERE seq < " + through +
                                 "; DELETE FROM main.checkpoints WHERE seq < " + through + "; COMMIT");
        !deleted) {
      (void)m_db.exec("ROLLBACK");
      return tl::make_unexpected(deleted.error());
    }
    return *cut - first;
  }();
  (void)m_db.exec("DETACH DATABASE archive");
  if (!moved) return tl::make_unexpected(moved.error());
  AIOTS_TRY_ASSIGN(left, scalar(m_db, "SELECT count(*) FROM journal"));
  out["archived"] = *moved;
  out["through"] = *cut;
  out["first_seq"] = *cut;
  out["records_left"] = left.value_or(0);
  return out;
}

}  // namespace aiots
