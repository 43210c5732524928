// The daemon's journal: every order event, fill, signal, plugin lifecycle event and halt, in
// SQLite (WAL, synchronous=FULL). Records are appended inside an open transaction and made
// durable by commit(): the daemon commits before it acknowledges anything to anyone (group
// commit), so a kill -9 loses nothing that was acknowledged.
#pragma once

#include <chrono>
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
  bool dirty() const { return !m_batch.empty(); }
  // Whether the last commit failed (its batch waits for the next one).
  bool failing() const { return m_failing; }

  // Reads every committed record in order.
  Expected<std::vector<JournalRecord>> read_all();

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
