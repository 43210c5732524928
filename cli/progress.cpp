#include "progress.hpp"

#include <cstdio>

namespace aiots::cli {

ProgressBar::ProgressBar(std::string label, bool enabled)
    : m_label(std::move(label)), m_enabled(enabled), m_start(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (m_shown) {
    std::fputs("\r\033[K", stderr);
  }
}

void ProgressBar::update(std::size_t done, std::size_t total, const std::string& note) {
  if (!m_enabled || total == 0) {
    return;
  }
  if (!m_shown && std::chrono::steady_clock::now() - m_start < std::chrono::seconds(1)) {
    return;
  }
  m_shown = true;
  constexpr int k_width = 30;
  const int filled = static_cast<int>(k_width * done / total);
  std::fprintf(stderr, "\r%s [%.*s%*s] %3zu%%%s%s\033[K", m_label.c_str(), filled, "##############################",
               k_width - filled, "", 100 * done / total, note.empty() ? "" : " ", note.c_str());
  std::fflush(stderr);
}

}  // namespace aiots::cli
