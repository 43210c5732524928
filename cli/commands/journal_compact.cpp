// aiots journal compact --before DATE: moves old journal records into an archive database so
// that the live journal stays small. Done by aiotsd when it runs (between events, trading goes
// on), else on the file directly (then the file is also vacuumed to its new size).
#include <filesystem>
#include <iostream>

#include "commands/commands.hpp"
#include "commands/live_common.hpp"
#include "config/config.hpp"
#include "journal/journal.hpp"
#include "util/time.hpp"

namespace aiots::cli {
namespace {

Expected<nlohmann::json> compact_file(const std::string& path, const std::string& archive, Timestamp before) {
  if (!std::filesystem::exists(path)) {
    return data_error("no journal at " + path + " (aiotsd never ran with this configuration)");
  }
  std::error_code ec;
  const auto size = [&] {
    return std::filesystem::file_size(path, ec) +
           (std::filesystem::exists(path + "-wal") ? std::filesystem::file_size(path + "-wal", ec) : 0);
  };
  const std::uintmax_t before_bytes = size();
  AIOTS_TRY_ASSIGN(journal, Journal::open(path));
  AIOTS_TRY_ASSIGN(out, journal.compact(archive, before));
  if (out["archived"].get<std::int64_t>() > 0) {
    // No daemon holds the file: give the freed pages back to the file system.
    AIOTS_TRY_ASSIGN(db, Database::open(path, false));
    AIOTS_TRY(db.exec("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);"));
  }
  out["bytes_before"] = before_bytes;
  out["bytes_after"] = size();
  return out;
}

}  // namespace

void setup_journal_compact(CLI::App& journal, Context& ctx) {
  auto* cmd = journal.add_subcommand("compact", "Move journal records before a date into an archive file");
  auto before = std::make_shared<std::string>();
  auto archive = std::make_shared<std::string>();
  cmd->add_option("--before", *before, "Archive the records of events before this date (YYYY-MM-DD or a time)")->required();
  cmd->add_option("--archive", *archive, "Archive database (default: beside the journal, NAME-archive.db)");
  cmd->callback([&ctx, before, archive] {
    ctx.command_name = "journal compact";
    ctx.action = [&ctx, before, archive]() -> Expected<void> {
      auto when = parse_time(*before);
      if (!when) return usage_error("--before " + *before + ": " + when.error().message);
      AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
      const std::string journal_path = config.string("journal");
      const std::string target = archive->empty() ? default_archive_path(journal_path)
                                                  : std::filesystem::absolute(*archive).lexically_normal().string();
      nlohmann::json r;
      if (daemon_answers(ctx)) {
        AIOTS_TRY_ASSIGN(reply, call_daemon(ctx, "journal.compact", {{"before", *before}, {"archive", target}}));
        r = std::move(reply);
      } else {
        AIOTS_TRY_ASSIGN(done, compact_file(journal_path, target, when->ts));
        r = std::move(done);
      }
      if (ctx.json()) {
        std::cout << r.dump(2) << "\n";
      } else if (!ctx.options.quiet) {
        if (r["archived"].get<std::int64_t>() == 0) {
          std::cout << "nothing archived: " << r.value("reason", "") << "\n";
        } else {
          std::cout << "archived " << r["archived"].get<std::int64_t>() << " records (through record "
                    << r["through"].get<std::int64_t>() << ") into " << r["archive"].get<std::string>() << "\n"
                    << "the journal keeps " << r["records_left"].get<std::int64_t>() << " records from record "
                    << r["first_seq"].get<std::int64_t>() << " (a checkpoint: restarts need nothing from the archive)\n";
          if (r.contains("bytes_after")) {
            std::cout << "journal file " << r["bytes_before"].get<std::int64_t>() / 1000 << " kB -> "
                      << r["bytes_after"].get<std::int64_t>() / 1000 << " kB\n";
          }
        }
      }
      return {};
    };
  });
}

}  // namespace aiots::cli
