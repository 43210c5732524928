// aiots journal stats: what the journal holds and how big it is, read from its file (aiotsd
// may run or not): records per kind, the span of event times, size on disk.
#include <filesystem>
#include <iostream>

#include "commands/commands.hpp"
#include "config/config.hpp"
#include "store/database.hpp"
#include "util/format_number.hpp"
#include "util/time.hpp"

namespace aiots::cli {
namespace {

std::string megabytes(std::uintmax_t bytes) { return format_fixed(static_cast<double>(bytes) / 1e6, 1) + " MB"; }

Expected<nlohmann::json> journal_stats(const Context& ctx, const std::string& archive) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  const std::string path = archive.empty() ? config.string("journal") : archive;
  if (!std::filesystem::exists(path)) {
    return data_error(archive.empty() ? "no journal at " + path + " (aiotsd never ran with this configuration)"
                                      : "no journal archive at " + path);
  }
  AIOTS_TRY_ASSIGN(db, Database::open(path, false));
  std::error_code ec;
  const std::uintmax_t main_bytes = std::filesystem::file_size(path, ec);
  const std::uintmax_t wal_bytes = std::filesystem::exists(path + "-wal") ? std::filesystem::file_size(path + "-wal", ec) : 0;
  nlohmann::json out = {{"path", path}, {"bytes", main_bytes + wal_bytes}, {"wal_bytes", wal_bytes}};
  AIOTS_TRY_ASSIGN(totals, db.prepare("SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0), "
                                      "min(CASE WHEN ts <> 0 THEN ts END), max(CASE WHEN ts <> 0 THEN ts END) FROM journal"));
  AIOTS_TRY_ASSIGN(row, totals.step());
  if (row) {
    out["records"] = totals.column_int(0);
    out["first_seq"] = totals.column_int(1);
    out["last_seq"] = totals.column_int(2);
    const bool timed = totals.column_int(0) > 0 && !totals.column_is_null(3);
    out["first_event"] = timed ? nlohmann::json(format_time(totals.column_int(3))) : nlohmann::json(nullptr);
    out["last_event"] = timed ? nlohmann::json(format_time(totals.column_int(4))) : nlohmann::json(nullptr);
  }
  nlohmann::json kinds = nlohmann::json::object();
  AIOTS_TRY_ASSIGN(by_kind, db.prepare("SELECT kind, count(*) FROM journal GROUP BY kind"));
  while (true) {
    AIOTS_TRY_ASSIGN(more, by_kind.step());
    if (!more) break;
    kinds[by_kind.column_text(0)] = by_kind.column_int(1);
  }
  out["kinds"] = kinds;
  // A restart loads the last checkpoint and replays the records after it. A journal written
  // before checkpoints existed has no such table until aiotsd opens it.
  out["checkpoints"] = 0;
  out["last_checkpoint"] = nullptr;
  AIOTS_TRY_ASSIGN(has_table, db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'"));
  AIOTS_TRY_ASSIGN(table_row, has_table.step());
  if (table_row && has_table.column_int(0) > 0) {
    AIOTS_TRY_ASSIGN(last, db.prepare("SELECT (SELECT count(*) FROM checkpoints), seq, created, length(data) FROM checkpoints "
                                      "ORDER BY seq DESC LIMIT 1"));
    AIOTS_TRY_ASSIGN(found, last.step());
    if (found) {
      out["checkpoints"] = last.column_int(0);
      out["last_checkpoint"] = {{"seq", last.column_int(1)},
                                {"written", format_time(last.column_int(2))},
                                {"bytes", last.column_int(3)},
                                {"records_after", out.value("last_seq", std::int64_t{0}) - last.column_int(1)}};
    }
  }
  return out;
}

}  // namespace

void setup_journal_stats(CLI::App& journal, Context& ctx) {
  auto* cmd = journal.add_subcommand("stats", "Records per kind, event times and size of the journal (aiotsd running or not)");
  auto archive = std::make_shared<std::string>();
  cmd->add_option("--archive", *archive, "Show this archive (from journal compact) instead of the journal");
  cmd->callback([&ctx, archive] {
        ctx.command_name = "journal stats";
        ctx.action = [&ctx, archive]() -> Expected<void> {
          AIOTS_TRY_ASSIGN(s, journal_stats(ctx, *archive));
          if (ctx.json()) {
            std::cout << s.dump(2) << "\n";
            return {};
          }
          std::cout << "journal     " << s["path"].get<std::string>() << "\n";
          std::cout << "size        " << megabytes(s["bytes"].get<std::uintmax_t>()) << " (WAL "
                    << megabytes(s["wal_bytes"].get<std::uintmax_t>()) << ")\n";
          std::cout << "records     " << s["records"].get<std::int64_t>() << " (seq " << s["first_seq"].get<std::int64_t>()
                    << ".." << s["last_seq"].get<std::int64_t>() << ")\n";
          if (!s["first_event"].is_null()) {
            std::cout << "events      " << s["first_event"].get<std::string>() << " .. " << s["last_event"].get<std::string>()
                      << "\n";
          }
          std::string kinds;
          for (const auto& [kind, n] : s["kinds"].items()) {
            kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(n.get<std::int64_t>());
          }
          std::cout << "kinds       " << (kinds.empty() ? "(none)" : kinds) << "\n";
          if (s["last_checkpoint"].is_null()) {
            std::cout << "checkpoint  none (a restart replays every record)\n";
          } else {
            const auto& c = s["last_checkpoint"];
            std::cout << "checkpoint  at record " << c["seq"].get<std::int64_t>() << ", written "
                      << c["written"].get<std::string>() << " (" << s["checkpoints"].get<std::int64_t>()
                      << " in all; a restart replays the " << c["records_after"].get<std::int64_t>() << " records after it)\n";
          }
          return {};
        };
      });
}

}  // namespace aiots::cli
