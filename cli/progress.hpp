// A progress bar on stderr for long operations: only on a terminal, only after a second.
#pragma once

#include <chrono>
#include <string>

namespace aiots::cli {

class ProgressBar {
public:
  // Shows `label` with a bar once an update comes more than a second after construction;
  // does nothing when `enabled` is false (stderr is not a terminal, or --quiet).
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();
  // `note` follows the percentage (counts, time left).
  void update(std::size_t done, std::size_t total, const std::string& note = "");

private:
  std::string m_label;
  bool m_enabled;
  bool m_shown = false;
  std::chrono::steady_clock::time_point m_start;
};

}  // namespace aiots::cli
