// Walk-forward analysis: training and test windows rolled over the data (--walk-forward
// train=2y,test=6m,step=6m). Windows are whole UTC days; months and years are calendar ones.
#pragma once

#include <string>
#include <vector>

#include "util/error.hpp"
#include "util/time.hpp"

namespace aiots::cli {

// A length of calendar time: N days, weeks, months or years.
struct CalendarSpan {
  int count = 0;
  char unit = 'd';  // d, w, m (months), y
  std::string text() const { return std::to_string(count) + unit; }
};

struct WalkForwardSpec {
  CalendarSpan train;
  CalendarSpan test;
  CalendarSpan step;  // default: the test length (test windows tile the data)
  std::string text() const;
};

// One fold: the parameters are chosen on [train_from, train_to] and evaluated on
// [test_from, test_to], both inclusive whole days; test_from is the day after train_to.
struct Fold {
  Timestamp train_from = 0;
  Timestamp train_to = 0;
  Timestamp test_from = 0;
  Timestamp test_to = 0;
};

// Parses "train=2y,test=6m[,step=6m]"; a usage error names what is wrong.
Expected<WalkForwardSpec> parse_walk_forward(const std::string& text);
// `t` moved by `n` times `span` in calendar terms (Jan 31 + 1m is Feb 28 or 29).
Timestamp add_span(Timestamp t, const CalendarSpan& span, int n = 1);
// The folds over data from `first` to `last` (bar times): the first training window starts on
// the day of `first`; each next fold starts `step` later; only folds whose test window ends on
// or before the day of `last` are made.
std::vector<Fold> make_folds(const WalkForwardSpec& spec, Timestamp first, Timestamp last);

}  // namespace aiots::cli
