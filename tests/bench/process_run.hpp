// Whole processes as users run them: spawn to exit, wall time and peak RSS (wait4).
#pragma once

#include <string>
#include <vector>

namespace aiots::bench {

struct ProcessRun {
  double seconds = -1;  // negative: it failed
  double peak_mb = 0;
};

// Runs argv[0] (found on PATH) with `argv` and `env_extra` added to the environment, stdout and
// stderr to /dev/null, to its exit; a non-zero exit counts as failed.
ProcessRun run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env_extra = {});

// The fastest of `runs` runs (the largest peak RSS of them): a single sub-second process is at
// the mercy of this noisy machine.
ProcessRun best_of(int runs, const std::vector<std::string>& argv, const std::vector<std::string>& env_extra);

}  // namespace aiots::bench
