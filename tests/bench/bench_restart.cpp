// Restart after a crash, as operators see it: the wall time of `aiots daemon start` (spawn to
// "ready": journal rebuilt, socket listening) after a journal of 1M and of 10M records, next to
// the same command on an empty journal and, at 1M, next to a full replay (checkpoints deleted).
// The journals are written by a real runtime (sma_crossover fast=2 slow=5 on a sim feed, as the
// issue measured) and cut short without a clean stop, so the last checkpoint is up to
// journal_checkpoint_every records behind, as after a kill -9.
#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "live/runtime.hpp"
#include "store/database.hpp"
#include "report.hpp"

extern char** environ;

namespace aiots::bench {
namespace {

namespace fs = std::filesystem;

fs::path write_config(const fs::path& dir) {
  fs::create_directories(dir);
  const fs::path file = dir / "aiots.toml";
  std::ofstream(file) << "socket = \"" << (dir / "d.sock").string() << "\"\n"
                      << "store = \"" << (dir / "store.db").string() << "\"\n"
                      << "journal = \"" << (dir / "journal.db").string() << "\"\n"
                      << "log_file = \"" << (dir / "aiotsd.log").string() << "\"\n"
                      << "log_level = \"warn\"\n"
                      << "[feed]\nresume = false\n"
                      // A loaded machine must not stop the writer on a callback deadline.
                      << "[lua]\ndeadline_ms = 0\n"
                      // The writer trades for 10M records: no limit may halt it on the way.
                      << "[risk]\ndaily_loss_pct = 0\nmax_position_pct = 0\nmax_group_pct = 0\n";
  return file;
}

// Runs `aiots --config CONFIG ARGS...` to its exit; returns wall seconds (negative on failure).
double run_aiots(const fs::path& config, std::vector<std::string> args) {
  const std::string aiots = AIOTS_BINARY_DIR "/cli/aiots";
  const std::string cfg = config.string();
  std::vector<const char*> argv = {aiots.c_str(), "--config", cfg.c_str(), "-q"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int status = 0;
  const double s = seconds([&] {
    if (posix_spawn(&pid, aiots.c_str(), &actions, nullptr, const_cast<char**>(argv.data()), environ) == 0) {
      waitpid(pid, &status, 0);
    }
  });
  posix_spawn_file_actions_destroy(&actions);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s : -1;
}

// `aiots daemon start` wall time, then a clean stop.
double daemon_start(const fs::path& config) {
  const double s = run_aiots(config, {"daemon", "start"});
  (void)run_aiots(config, {"daemon", "stop"});
  return s;
}

// Fills the journal in `dir` with at least `records` records from a live runtime, then drops it
// without a clean stop. Returns the records written (0 on failure).
std::int64_t write_journal(const fs::path& dir, const fs::path& config, std::int64_t records) {
  auto cfg = Config::load(config.string());
  Logger logger((dir / "writer.log").string(), LogLevel::Warn);
  auto journal = Journal::open((dir / "journal.db").string());
  if (!cfg || !journal) return 0;
  Runtime runtime(*cfg, std::move(*journal), logger);
  if (!runtime.rebuild()) return 0;
  auto loaded = runtime.load_strategy(AIOTS_SOURCE_DIR "/plugins/strategies/sma_crossover.lua", {"SIM"},
                                      {{"fast", "2"}, {"slow", "5"}}, "sma");
  if (!loaded) {
    std::printf("  cannot load: %s\n", loaded.error().message.c_str());
    return 0;
  }
  (void)runtime.commit();
  // Simulations of 2M one-minute bars (about four years each), one after another, until the
  // journal holds enough records.
  for (int run = 0; runtime.journal().committed_records() < records && run < 100; ++run) {
    const std::string start = std::to_string(2000 + 4 * run) + "-01-03T00:00:00Z";
    if (auto started = runtime.start_sim("SIM", 2'000'000, 7 + static_cast<std::uint64_t>(run), 0, start); !started) {
      std::printf("  cannot start the feed: %s\n", started.error().message.c_str());
      return 0;
    }
    while (runtime.feed_running() && runtime.journal().committed_records() < records) {
      runtime.pump(256);
      runtime.snapshot_states();
      (void)runtime.commit();
    }
  }
  return runtime.journal().committed_records();
}

void restart_after(std::int64_t records, const fs::path& root, double empty_start) {
  const fs::path dir = root / ("j" + std::to_string(records));
  const fs::path config = write_config(dir);
  const double wrote = seconds([&] { records = write_journal(dir, config, records); });
  if (records == 0) return;
  const std::string label = records >= 5'000'000 ? "10M" : "1M";
  std::printf("  %-34s %10.1f s (%lld records, %.0f MB)\n", ("wrote journal " + label).c_str(), wrote,
              static_cast<long long>(records), static_cast<double>(fs::file_size(dir / "journal.db")) / 1e6);
  const double start = daemon_start(config);
  figure("daemon start after kill, " + label + " records", start * 1e3, "ms", empty_start * 1e3, "empty journal", 1000, true);
  const double again = daemon_start(config);
  figure("daemon start after clean stop, " + label, again * 1e3, "ms", empty_start * 1e3, "empty journal", 1000, true);
  if (records < 5'000'000) {
    // Before checkpoints: every start replayed the whole journal.
    auto db = Database::open((dir / "journal.db").string(), true);
    if (db && db->exec("DELETE FROM checkpoints")) {
      db = data_error("closed");  // closes the file before aiotsd opens it
      const double full = daemon_start(config);
      figure("daemon start, full replay, " + label, full * 1e3, "ms", start * 1e3, "from checkpoint");
      // journal verify replays everything, by design: its cost beside a full-replay start.
      (void)run_aiots(config, {"daemon", "start"});
      const double verify = run_aiots(config, {"journal", "verify"});
      (void)run_aiots(config, {"daemon", "stop"});
      figure("journal verify, " + label, verify * 1e3, "ms", full * 1e3, "full-replay start");
    }
  }
  fs::remove_all(dir);
}

}  // namespace

void run_restart_benchmarks() {
  section("restart: `aiots daemon start` after a kill -9, journals of 1M and 10M records");
  const fs::path root = fs::temp_directory_path() / ("aiots-bench-restart-" + std::to_string(::getpid()));
  const fs::path empty = root / "empty";
  const double empty_start = daemon_start(write_config(empty));
  figure("daemon start, empty journal", empty_start * 1e3, "ms", 0, "");
  restart_after(1'000'000, root, empty_start);
  restart_after(10'000'000, root, empty_start);
  fs::remove_all(root);
}

}  // namespace aiots::bench
