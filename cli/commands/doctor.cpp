// aiots doctor: checks what the daemon needs and says how to fix what is wrong.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "adapters/brokers/venue_factory.hpp"
#include "commands/commands.hpp"
#include "rpc_client.hpp"
#include "store/database.hpp"

namespace aiots::cli {
namespace {

namespace fs = std::filesystem;

struct Check {
  std::string name;
  bool ok;
  std::string detail;
  std::string fix;
};

Check integrity(const std::string& what, const std::string& path) {
  if (!fs::exists(path)) {
    return {what, true, path + " does not exist yet (created on first use)", ""};
  }
  auto db = Database::open(path, false);
  if (!db) {
    return {what, false, db.error().message, "check the file's permissions, or restore it from a backup"};
  }
  auto s = db->prepare("PRAGMA quick_check");
  if (!s || !s->step() || s->column_text(0) != "ok") {
    return {what, false, path + " fails PRAGMA quick_check", "restore " + path + " from a backup"};
  }
  return {what, true, path + ": quick_check ok", ""};
}

std::vector<Check> run_checks(const Context& ctx) {
  std::vector<Check> checks;
  auto config = ctx.daemon_config();
  if (!config) {
    checks.push_back({"config", false, config.error().message, "fix the key named above (aiots.toml(5))"});
    return checks;
  }
  checks.push_back({"config", true, ctx.config_path() + (fs::exists(ctx.config_path()) ? ": ok" : ": not present, defaults apply"), ""});
  checks.push_back(integrity("store", config->string("store")));
  checks.push_back(integrity("journal", config->string("journal")));
  const std::string socket = config->string("socket");
  const fs::path dir = fs::path(socket).parent_path();
  struct stat st{};
  if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    checks.push_back({"socket directory", false, dir.string() + " is readable by others", "chmod 700 " + dir.string()});
  } else {
    checks.push_back({"socket directory", true, dir.string(), ""});
  }
  if (::stat(socket.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    checks.push_back({"socket", false, socket + " is accessible by others", "chmod 600 " + socket + " (or restart aiotsd)"});
  }
  long pid = 0;
  std::ifstream(socket + ".pid") >> pid;
  const bool answers = RpcClient::connect(socket).has_value();
  if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0) {
    checks.push_back({"pid file", false, socket + ".pid names pid " + std::to_string(pid) + ", which is not running",
                      "rm " + socket + ".pid (a stale file from a crash), then aiots daemon start"});
  } else if (fs::exists(socket) && !answers) {
    checks.push_back({"socket", false, socket + " exists but nothing answers", "aiots daemon start (it replaces a stale socket)"});
  } else {
    checks.push_back({"daemon", true, answers ? "aiotsd answers on " + socket : "aiotsd is not running", ""});
  }
  struct statvfs vfs{};
  const fs::path data_dir = fs::path(config->string("journal")).parent_path();
  const fs::path probe = fs::exists(data_dir) ? data_dir : fs::path("/");
  if (::statvfs(probe.c_str(), &vfs) == 0) {
    const double free_mb = static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize) / 1e6;
    checks.push_back({"disk space", free_mb > 500, std::to_string(static_cast<long>(free_mb)) + " MB free at " + probe.string(),
                      free_mb > 500 ? "" : "free space: the journal needs room to grow"});
  }
  // Accounts routed to a real broker: its settings, and that it answers with these keys.
  for (const auto& [key, value] : config->values()) {
    if (!key.starts_with("broker.account.")) continue;
    const std::string account = key.substr(15);
    const std::string kind = std::get<std::string>(value);
    if (kind == "paper") continue;
    const std::string name = "broker " + account;
    auto venue = venue::open_venue(kind, *config);
    if (!venue) {
      checks.push_back({name, false, venue.error().message, "set the keys or settings named above (aiots-brokers(7))"});
      continue;
    }
    auto answer = (*venue)->account();
    if (!answer) {
      checks.push_back({name, false, (*venue)->name() + ": " + answer.error().message,
                        kind == "ibkr" ? "start the Client Portal gateway and log in; trust its certificate with http.ca_file"
                                       : "check the keys, the URL and the network (aiots-brokers(7))"});
    } else {
      char cash[64];
      std::snprintf(cash, sizeof cash, "%.2f", answer->cash);
      checks.push_back({name, true, (*venue)->name() + " answers; cash " + cash, ""});
    }
  }
  const auto now = std::chrono::system_clock::now();
  const auto year = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count() / 24 / 365 + 1970;
  checks.push_back({"clock", year >= 2024 && year < 2100, "system clock says year " + std::to_string(year),
                    year >= 2024 && year < 2100 ? "" : "set the system clock (timedatectl / NTP)"});
  return checks;
}

}  // namespace

void setup_doctor(CLI::App& app, Context& ctx) {
  app.add_subcommand("doctor", "Check config, store and journal, socket permissions, stale files, disk, clock, brokers")
      ->callback([&ctx] {
        ctx.command_name = "doctor";
        ctx.action = [&ctx]() -> Expected<void> {
          const auto checks = run_checks(ctx);
          bool ok = true;
          AIOTS_TRY_ASSIGN(w, ctx.writer({"check", "ok", "detail", "fix"}));
          for (const Check& c : checks) {
            ok = ok && c.ok;
            w->row({c.name, std::string(c.ok ? "ok" : "FAIL"), c.detail, c.fix});
          }
          w->finish();
          if (!ok) {
            return runtime_error("some checks failed; each says how to fix it");
          }
          return {};
        };
      });
}

}  // namespace aiots::cli
