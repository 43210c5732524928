// aiots backup DIR | restore DIR: a consistent copy of the store and the journal while aiotsd
// runs (SQLite's online backup API, both read in one snapshot each, taken together), with a
// manifest of checksums; and its restore, refused while aiotsd runs or when a file does not
// match the manifest. See aiots-backup(1).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sqlite3.h>
#include <unistd.h>

#include "commands/commands.hpp"
#include "commands/live_common.hpp"
#include "config/config.hpp"
#include "rpc_client.hpp"
#include "store/database.hpp"
#include "util/quote_value.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

namespace aiots::cli {
namespace {

namespace fs = std::filesystem;

struct Source {
  std::string name;  // file name in the backup
  std::string path;  // where it lives
};

Expected<std::vector<Source>> sources(const Context& ctx) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  return std::vector<Source>{{"journal.db", config.string("journal")}, {"aiots.db", ctx.store_path()}};
}

std::string sqlite_error(sqlite3* db) { return db != nullptr ? sqlite3_errmsg(db) : "out of memory"; }

// Copies the open snapshot of `from` into a new database at `to`.
Expected<void> copy_database(sqlite3* from, const std::string& to) {
  sqlite3* dest = nullptr;
  if (sqlite3_open(to.c_str(), &dest) != SQLITE_OK) {
    const std::string why = sqlite_error(dest);
    sqlite3_close(dest);
    return data_error(to + ": cannot create: " + why);
  }
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", from, "main");
  int rc = backup != nullptr ? sqlite3_backup_step(backup, -1) : SQLITE_ERROR;
  if (backup != nullptr) sqlite3_backup_finish(backup);
  const std::string why = sqlite_error(dest);
  sqlite3_close(dest);
  if (rc != SQLITE_DONE) return data_error(to + ": backup failed: " + why);
  return {};
}

std::int64_t count_rows(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  std::int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  return n;
}

Expected<void> backup(const Context& ctx, const std::string& dir) {
  if (fs::exists(dir) && !(fs::is_directory(dir) && fs::is_empty(dir))) {
    return usage_error(dir + ": exists and is not an empty directory (a backup never overwrites)");
  }
  AIOTS_TRY_ASSIGN(files, sources(ctx));
  // Open both and start a read transaction on each before copying either: the copies are the
  // two databases as they were at (nearly) one instant, whatever aiotsd writes meanwhile.
  std::vector<std::optional<Database>> open(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!fs::exists(files[i].path)) continue;  // no journal yet (aiotsd never ran), or no store
    AIOTS_TRY_ASSIGN(db, Database::open(files[i].path, false));
    AIOTS_TRY(db.exec("BEGIN"));
    AIOTS_TRY(db.exec("SELECT count(*) FROM sqlite_master"));
    open[i].emplace(std::move(db));
  }
  const fs::path partial = fs::path(dir).string() + ".partial";
  std::error_code ec;
  fs::remove_all(partial, ec);
  fs::create_directories(partial, ec);
  if (ec) return data_error(partial.string() + ": cannot create: " + ec.message());
  // Orders, fills and positions are nobody else's business: owner only, as the originals.
  fs::permissions(partial, fs::perms::owner_all, ec);
  nlohmann::json manifest = {{"format", 1}, {"aiots_version", AIOTS_VERSION}, {"created", format_time(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count())},
                             {"files", nlohmann::json::array()}};
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!open[i]) continue;
    const std::string to = (partial / files[i].name).string();
    if (auto copied = copy_database(open[i]->handle(), to); !copied) {
      fs::remove_all(partial, ec);
      return copied;
    }
    AIOTS_TRY(open[i]->exec("COMMIT"));
    nlohmann::json entry = {{"name", files[i].name}, {"source", files[i].path}};
    {
      AIOTS_TRY_ASSIGN(copy, Database::open(to, false));
      if (files[i].name == "journal.db") entry["records"] = count_rows(copy.handle(), "SELECT count(*) FROM journal");
      else entry["runs"] = count_rows(copy.handle(), "SELECT count(*) FROM runs");
    }
    // Closed: the copy is one file again (no -wal or -shm beside it), and its checksum final.
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, ec);
    entry["bytes"] = fs::file_size(to);
    entry["sha256"] = sha256_file(to).value_or("");
    manifest["files"].push_back(entry);
  }
  if (manifest["files"].empty()) {
    fs::remove_all(partial, ec);
    return data_error("nothing to back up: neither " + files[0].path + " nor " + files[1].path + " exists");
  }
  {
    std::ofstream out(partial / "MANIFEST.json");
    out << manifest.dump(2) << "\n";
    if (!out.flush()) return data_error((partial / "MANIFEST.json").string() + ": cannot write");
  }
  // Whole or nothing: the backup appears under its name only once complete.
  fs::remove(dir, ec);
  fs::rename(partial, dir, ec);
  if (ec) return data_error(dir + ": cannot move the finished backup into place: " + ec.message());
  if (ctx.json()) {
    std::cout << manifest.dump(2) << "\n";
  } else if (!ctx.options.quiet) {
    for (const auto& f : manifest["files"]) {
      std::cout << f["name"].get<std::string>() << "  " << f["bytes"].get<std::int64_t>() << " bytes  sha256 "
                << f["sha256"].get<std::string>().substr(0, 16) << "..."
                << (f.contains("records") ? "  " + std::to_string(f["records"].get<std::int64_t>()) + " records" : "")
                << "\n";
    }
    std::cout << "backup in " << dir << " (" << manifest["created"].get<std::string>() << ")\n";
  }
  return {};
}

Expected<void> restore(const Context& ctx, const std::string& dir, bool yes) {
  const fs::path manifest_path = fs::path(dir) / "MANIFEST.json";
  std::ifstream in(manifest_path);
  if (!in) return data_error(manifest_path.string() + ": no manifest (is " + dir + " a backup made by aiots backup?)");
  const nlohmann::json manifest = nlohmann::json::parse(in, nullptr, false);
  if (manifest.is_discarded() || !manifest.contains("files") || !manifest["files"].is_array()) {
    return data_error(manifest_path.string() + ": not a backup manifest");
  }
  if (daemon_answers(ctx)) {
    return usage_error("aiotsd is running: stop it first (aiots daemon stop); a restore replaces its journal");
  }
  AIOTS_TRY_ASSIGN(files, sources(ctx));
  // Every file must match the manifest before anything is replaced.
  std::vector<std::pair<fs::path, std::string>> plan;
  for (const auto& f : manifest["files"]) {
    const std::string name = f.value("name", "");
    const auto target = std::find_if(files.begin(), files.end(), [&](const Source& s) { return s.name == name; });
    if (target == files.end()) return data_error(manifest_path.string() + ": unknown file " + quote_value(name));
    const fs::path copy = fs::path(dir) / name;
    const auto digest = sha256_file(copy.string());
    if (!digest) return data_error(copy.string() + ": missing or unreadable");
    if (*digest != f.value("sha256", "")) {
      return data_error(copy.string() + ": sha256 " + digest->substr(0, 16) + "... does not match the manifest's " +
                        f.value("sha256", "").substr(0, 16) + "... (damaged or changed since the backup)");
    }
    plan.emplace_back(copy, target->path);
  }
  const bool replaces = std::any_of(plan.begin(), plan.end(), [](const auto& p) { return fs::exists(p.second); });
  if (replaces && !yes) {
    if (isatty(STDIN_FILENO) == 0) {
      return usage_error("restore replaces the current store and journal: pass --yes (stdin is not a terminal)");
    }
    std::cerr << "Replace the current store and journal with the backup of " << manifest.value("created", "?")
              << "? Type yes to confirm: " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") return usage_error("restore not confirmed; nothing changed");
  }
  for (const auto& [copy, target] : plan) {
    std::error_code ec;
    fs::create_directories(fs::path(target).parent_path(), ec);
    const std::string staged = target + ".restoring";
    fs::copy_file(copy, staged, fs::copy_options::overwrite_existing, ec);
    if (ec) return data_error(staged + ": cannot write: " + ec.message());
    // The old WAL and shared memory belong to the old database.
    fs::remove(target + "-wal", ec);
    fs::remove(target + "-shm", ec);
    fs::rename(staged, target, ec);
    if (ec) return data_error(target + ": cannot replace: " + ec.message());
  }
  if (ctx.json()) {
    std::cout << nlohmann::json{{"restored", manifest["files"]}, {"created", manifest.value("created", "")}}.dump(2) << "\n";
  } else if (!ctx.options.quiet) {
    std::cout << "restored the backup of " << manifest.value("created", "?") << " (" << plan.size()
              << " files); start aiotsd and run aiots journal verify\n";
  }
  return {};
}

}  // namespace

void setup_backup(CLI::App& app, Context& ctx) {
  auto dir = std::make_shared<std::string>();
  CLI::App* b = app.add_subcommand("backup", "Copy the store and the journal, consistent, while aiotsd runs");
  b->add_option("dir", *dir, "New (or empty) directory for the backup")->required();
  b->callback([&ctx, dir] {
    ctx.command_name = "backup";
    ctx.action = [&ctx, dir] { return backup(ctx, *dir); };
  });
  auto from = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  CLI::App* r = app.add_subcommand("restore", "Put a backup back in place (aiotsd stopped)");
  r->add_option("dir", *from, "Directory made by aiots backup")->required();
  r->add_flag("-y,--yes", *yes, "Replace the current store and journal without asking");
  r->callback([&ctx, from, yes] {
    ctx.command_name = "restore";
    ctx.action = [&ctx, from, yes] { return restore(ctx, *from, *yes); };
  });
}

}  // namespace aiots::cli
