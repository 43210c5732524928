#include "process_run.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "report.hpp"

extern char** environ;

namespace aiots::bench {

// Runs argv[0] with `argv` and `env_extra` to its exit: wall time and peak RSS.
//
// The peak comes from /usr/bin/time when it is there, not from our own wait4: Linux carries a
// process's peak RSS across exec, so every child spawned by this benchmark (which holds 10M
// closes for its baseline) would report at least this process's peak; /usr/bin/time forks
// the command from its own small process and reports only the command's.
ProcessRun run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env_extra) {
  static const bool have_time = ::access("/usr/bin/time", X_OK) == 0;
  char peak_file[] = "/tmp/aiots-bench-peak-XXXXXX";
  const int peak_fd = have_time ? ::mkstemp(peak_file) : -1;
  std::vector<std::string> full;
  if (peak_fd >= 0) {
    ::close(peak_fd);
    full = {"/usr/bin/time", "-f", "%M", "-o", peak_file};
  }
  full.insert(full.end(), argv.begin(), argv.end());
  std::vector<const char*> args;
  for (const std::string& a : full) args.push_back(a.c_str());
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
    if (peak_fd >= 0) {
      long kb = 0;
      if (std::FILE* f = std::fopen(peak_file, "r"); f != nullptr) {
        if (std::fscanf(f, "%ld", &kb) != 1) kb = 0;
        std::fclose(f);
      }
      if (kb > 0) out.peak_mb = static_cast<double>(kb) / 1024.0;
    }
  }
  if (peak_fd >= 0) ::unlink(peak_file);
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
