// Benchmark figures: each measured next to a baseline from the same run, with its target.
#pragma once

#include <chrono>
#include <string>

namespace aiots::bench {

// Times `fn` once and returns seconds.
template <class Fn>
double seconds(Fn&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Prints a section heading.
void section(const std::string& title);

// Prints one figure: `value` in `unit`, its ratio to `baseline` (named `baseline_name`), and
// whether it meets `target` (0 = no target; `lower_is_better` flips the comparison).
void figure(const std::string& name, double value, const std::string& unit, double baseline,
            const std::string& baseline_name, double target = 0, bool lower_is_better = false);

// Returns how many figures missed their target so far.
int missed_targets();

}  // namespace aiots::bench
