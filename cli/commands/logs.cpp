// aiots logs [-f] [--level L] [-n N]: the daemon's log, filtered by level, optionally followed.
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <thread>

#include "commands/commands.hpp"
#include "log/logger.hpp"

namespace aiots::cli {
namespace {

struct LogsOptions {
  bool follow = false;
  std::string level = "trace";
  std::size_t lines = 50;
};

bool at_least(const std::string& line, LogLevel min) {
  const auto at = line.find(" level=");
  if (at == std::string::npos) {
    return true;
  }
  const auto end = line.find(' ', at + 7);
  return parse_log_level(line.substr(at + 7, end - at - 7)) >= min;
}

Expected<void> run_logs(const Context& ctx, const LogsOptions& o) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  const std::string path = config.string("log_file");
  std::ifstream in(path);
  if (!in) {
    return runtime_error("no log at " + path + " (has aiotsd run with this configuration?)");
  }
  const LogLevel min = parse_log_level(o.level);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    if (at_least(line, min)) {
      last.push_back(line);
      if (last.size() > o.lines) {
        last.pop_front();
      }
    }
  }
  for (const std::string& l : last) {
    std::cout << l << "\n";
  }
  std::cout.flush();
  while (o.follow) {
    in.clear();
    if (std::getline(in, line)) {
      if (at_least(line, min)) {
        std::cout << line << std::endl;
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return {};
}

}  // namespace

void setup_logs(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<LogsOptions>();
  CLI::App* cmd = app.add_subcommand("logs", "Show aiotsd's log (logfmt lines)");
  cmd->add_flag("-f,--follow", o->follow, "Keep printing new lines");
  cmd->add_option("--level", o->level, "Lowest level shown: trace, debug, info, warn, error");
  cmd->add_option("-n,--lines", o->lines, "How many past lines (default 50)");
  cmd->callback([&ctx, o] {
    ctx.command_name = "logs";
    ctx.action = [&ctx, o] { return run_logs(ctx, *o); };
  });
}

}  // namespace aiots::cli
