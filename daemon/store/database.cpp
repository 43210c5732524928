#include "store/database.hpp"

#include <cmath>
#include <limits>
#include <sqlite3.h>

namespace aiots {
namespace {

std::string last_error(sqlite3* db) { return sqlite3_errmsg(db); }

}  // namespace

void Statement::Finalizer::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Statement::Statement(sqlite3_stmt* stmt) : m_stmt(stmt) {}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(m_stmt.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (std::isnan(value)) {
    sqlite3_bind_null(m_stmt.get(), index);
  } else {
    sqlite3_bind_double(m_stmt.get(), index, value);
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text(m_stmt.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(m_stmt.get(), index);
  return *this;
}

Expected<bool> Statement::step() {
  const int rc = sqlite3_step(m_stmt.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3* db = sqlite3_db_handle(m_stmt.get());
  return runtime_error("database: " + last_error(db));
}

Expected<void> Statement::run() {
  auto stepped = step();
  reset();
  if (!stepped) {
    return tl::unexpected(stepped.error());
  }
  return {};
}

void Statement::reset() {
  sqlite3_reset(m_stmt.get());
  sqlite3_clear_bindings(m_stmt.get());
}

std::int64_t Statement::column_int(int column) const { return sqlite3_column_int64(m_stmt.get(), column); }

double Statement::column_double(int column) const {
  if (sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return sqlite3_column_double(m_stmt.get(), column);
}

double Statement::column_real(int column) const { return sqlite3_column_double(m_stmt.get(), column); }

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(m_stmt.get(), column);
  return text == nullptr ? std::string{} : std::string(reinterpret_cast<const char*>(text));
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL;
}

Expected<Database> Database::open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db;
  db.m_db.reset(raw);
  db.m_path = path;
  if (rc != SQLITE_OK) {
    const std::string why = raw != nullptr ? last_error(raw) : "out of memory";
    return runtime_error("cannot open database " + path + ": " + why);
  }
  sqlite3_busy_timeout(raw, 5000);
  AIOTS_TRY(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"));
  return db;
}

Expected<void> Database::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message != nullptr ? message : last_error(m_db.get());
    sqlite3_free(message);
    return runtime_error("database " + m_path + ": " + why);
  }
  return {};
}

Expected<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK) {
    return runtime_error("database " + m_path + ": " + last_error(m_db.get()));
  }
  return Statement(stmt);
}

std::int64_t Database::changes() const { return sqlite3_changes64(m_db.get()); }

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(m_db.get()); }

Transaction::Transaction(Database& db) : m_db(db) {}

Transaction::~Transaction() {
  if (m_open) {
    (void)m_db.exec("ROLLBACK");
  }
}

Expected<void> Transaction::begin() {
  AIOTS_TRY(m_db.exec("BEGIN IMMEDIATE"));
  m_open = true;
  return {};
}

Expected<void> Transaction::commit() {
  AIOTS_TRY(m_db.exec("COMMIT"));
  m_open = false;
  return {};
}

}  // namespace aiots
