// The daemon's journal: every order event, fill, signal, plugin lifecycle event and halt, in
// SQLite (WAL, synchronous=FULL). Records are appended inside an open transaction and made
// durable by commit(): the daemon commits before it acknowledges anything to anyone (group
// commit), so a kill -9 loses nothing that was acknowledged.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "util/time.hpp"

namespace aiots {

struct JournalRecord {
  std::int64_t seq = 0;
  Timestamp ts = 0;     // market time of the event (0 for control events)
  std::string kind;     // "order", "fill", "signal", "strategy.loaded", "halt", ...
  std::string strategy;
  nlohmann::json data;
};

// The rebuilt state as of one record (seq): a restart loads the last one and replays only the
// records after it (live/journal_fold.hpp says what it holds).
struct JournalCheckpoint {
  std::int64_t seq = 0;
  std::int64_t created = 0;  // wall-clock ns when written
  std::string data;          // JSON
  std::string sha256;        // of data, as written
};

using RecordVisitor = std::function<Expected<void>(const JournalRecord&)>;

// Creates the journal's tables in `db` when missing (the live journal and its archives).
Expected<void> create_journal_tables(Database& db);
// Calls `visit` with each record of the journal database `db` after seq `after`, in order, one
// at a time (a journal of 10M records is never held in memory whole); stops at the first error.
Expected<void> each_record(Database& db, std::int64_t after, const RecordVisitor& visit);
// The same over an archive (when given) and then the journal it was cut from: every record once,
// in order (a compaction keeps the record at its cut in both files).
Expected<void> each_archived_record(Database* archive, Database& journal, const RecordVisitor& visit);
// Where compaction archives the journal at `journal` unless told: beside it, "NAME-archive.db".
std::string default_archive_path(const std::string& journal);
// Every checkpoint in `db`, in seq order.
Expected<std::vector<JournalCheckpoint>> read_checkpoints(Database& db);

class Journal {
public:
  // Opens or creates the journal at `path` (parent directories too).
  static Expected<Journal> open(const std::string& path);

  // Adds a record to the current batch (visible to no reader until commit).
  Expected<void> append(Timestamp ts, std::string_view kind, std::string_view strategy, const nlohmann::json& data);
  // Makes the batch durable; a no-op when nothing was appended. When a write or the fsync fails
  // (disk full, I/O error), the batch is kept in memory and written again, whole and in order,
  // by the next commit that succeeds: nothing appended is ever lost or written twice.
  Expected<void> commit();
  // Writes `data` as a checkpoint of everything appended so far, in the same transaction as the
  // next commit's records (so it covers exactly the records durable with it); a failed commit
  // drops it. A commit with no records writes it alone.
  void stage_checkpoint(std::string data) { m_checkpoint = std::move(data); }
  bool dirty() const { return !m_batch.empty(); }
  // Whether the last commit failed (its batch waits for the next one).
  bool failing() const { return m_failing; }

  // Calls `visit` with every committed record after seq `after`, in order (each_record).
  Expected<void> each(std::int64_t after, const RecordVisitor& visit) { return each_record(m_db, after, visit); }
  // The same after the records of `archive` (each_archived_record).
  Expected<void> each_after_archive(Database& archive, const RecordVisitor& visit) {
    return each_archived_record(&archive, m_db, visit);
  }
  // The seq of the first record held (1, or after a compaction the checkpoint it kept); 0 when empty.
  Expected<std::int64_t> first_seq();
  // Every checkpoint written, in seq order.
  Expected<std::vector<JournalCheckpoint>> checkpoints() { return read_checkpoints(m_db); }
  // Moves the records before market time `before` into the archive database at `archive`
  // (created if missing; records already there are kept), up to the last checkpoint before the
  // first record at or after `before`. The journal keeps that checkpoint and its record and
  // everything after, so a restart needs nothing from the archive. Written to the archive and
  // made durable there before anything is deleted here. Returns what moved ("archived": 0 and
  // a "reason" when nothing could). Commits first; refused while commits fail.
  Expected<nlohmann::json> compact(const std::string& archive, Timestamp before);

  std::int64_t committed_records() const { return m_committed; }
  std::int64_t commits() const { return m_commits; }
  // Latency of each commit in seconds, for the metrics histogram.
  const std::vector<double>& commit_latencies() const { return m_latencies; }
  const std::string& path() const { return m_db.path(); }

private:
  struct Pending {
    Timestamp ts;
    std::string kind;
    std::string strategy;
    std::string data;
  };
  explicit Journal(Database db) : m_db(std::move(db)) {}
  // Begins a transaction holding every record of the batch so far.
  Expected<void> begin();
  Expected<void> insert(const Pending& r);
  // After a failed write: the transaction is dropped, the batch kept.
  void abandon();
  Expected<std::int64_t> max_seq();
  Expected<void> insert_checkpoint();
  std::optional<std::string> m_checkpoint;  // staged for the next commit
  Database m_db;
  Statement m_insert;
  bool m_in_transaction = false;
  bool m_failing = false;
  std::vector<Pending> m_batch;      // appended since the last successful commit
  std::int64_t m_committed_seq = 0;  // the last seq known durable
  std::int64_t m_committed = 0;
  std::int64_t m_commits = 0;
  std::vector<double> m_latencies;
};

}  // namespace aiots
