#include "process_run.hpp"

#include <algorithm>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "report.hpp"

extern char** environ;

namespace aiots::bench {

// Runs argv[0] with `argv` and `env_extra` to its exit: wall time and peak RSS (wait4).
ProcessRun run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env_extra) {
  std::vector<const char*> args;
  for (const std::string& a : argv) args.push_back(a.c_str());
  args.push_back(nullptr);
  std::vector<const char*> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  for (const std::string& e : env_extra) env.push_back(e.c_str());
  env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  ProcessRun out;
  pid_t pid = 0;
  int status = 0;
  rusage usage{};
  const double s = seconds([&] {
    if (posix_spawnp(&pid, args[0], &actions, nullptr, const_cast<char**>(args.data()), const_cast<char**>(env.data())) == 0) {
      wait4(pid, &status, 0, &usage);
    }
  });
  posix_spawn_file_actions_destroy(&actions);
  if (pid != 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    out.seconds = s;
    out.peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  }
  return out;
}

ProcessRun best_of(int runs, const std::vector<std::string>& argv, const std::vector<std::string>& env_extra) {
  ProcessRun best = run_process(argv, env_extra);
  for (int i = 1; i < runs && best.seconds > 0; ++i) {
    const ProcessRun again = run_process(argv, env_extra);
    if (again.seconds < 0) return again;
    best.seconds = std::min(best.seconds, again.seconds);
    best.peak_mb = std::max(best.peak_mb, again.peak_mb);
  }
  return best;
}


}  // namespace aiots::bench
