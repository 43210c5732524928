#include "report.hpp"

#include <cstdio>

namespace aiots::bench {
namespace {
int g_missed = 0;

std::string human(double v) {
  char buf[32];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}
}  // namespace

void section(const std::string& title) { std::printf("\n== %s\n", title.c_str()); }

void figure(const std::string& name, double value, const std::string& unit, double baseline,
            const std::string& baseline_name, double target, bool lower_is_better) {
  std::string verdict;
  if (target > 0) {
    const bool ok = lower_is_better ? value <= target : value >= target;
    g_missed += ok ? 0 : 1;
    verdict = std::string(ok ? "  ok" : "  MISSED") + " (target " + (lower_is_better ? "<= " : ">= ") + human(target) +
              ")";
  }
  std::string ratio;
  if (baseline > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "  %.2fx of %s (%s)", value / baseline, baseline_name.c_str(), human(baseline).c_str());
    ratio = buf;
  }
  std::printf("  %-34s %10s %-10s%s%s\n", name.c_str(), human(value).c_str(), unit.c_str(), ratio.c_str(),
              verdict.c_str());
}

int missed_targets() { return g_missed; }

}  // namespace aiots::bench
