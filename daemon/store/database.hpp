// A thin RAII layer over the SQLite C API that reports failures as Expected values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace aiots {

// A prepared statement; bind parameters are 1-based, columns 0-based.
class Statement {
public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt);

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);  // NaN binds as NULL
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);

  // Advances to the next row: true while a row is ready, false when done.
  Expected<bool> step();
  // Runs a statement that returns no rows, then resets it for reuse.
  Expected<void> run();
  void reset();

  std::int64_t column_int(int column) const;
  double column_double(int column) const;  // NULL reads as NaN
  // A column the schema declares NOT NULL: no type check (bulk reads of bars).
  double column_real(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const;
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> m_stmt;
};

// An open database connection.
class Database {
public:
  // Opens (creating if asked) the database at `path`, in WAL mode with foreign keys on.
  static Expected<Database> open(const std::string& path, bool create);

  Expected<void> exec(std::string_view sql);
  Expected<Statement> prepare(std::string_view sql);
  // Returns the rows changed by the latest INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  // Returns the rowid of the latest INSERT.
  std::int64_t last_insert_id() const;
  const std::string& path() const { return m_path; }
  sqlite3* handle() const { return m_db.get(); }

private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Closer> m_db;
  std::string m_path;
};

// A transaction that rolls back unless committed: nothing half-written on any early return.
class Transaction {
public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Expected<void> begin();
  Expected<void> commit();

private:
  Database& m_db;
  bool m_open = false;
};

}  // namespace aiots
