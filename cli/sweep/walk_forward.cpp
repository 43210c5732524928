#include "sweep/walk_forward.hpp"

#include <charconv>
#include <date/date.h>

#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

Expected<CalendarSpan> parse_span(const std::string& key, const std::string& text) {
  CalendarSpan span;
  const char* end = text.data() + text.size();
  auto [rest, ec] = std::from_chars(text.data(), end, span.count);
  if (ec != std::errc() || span.count <= 0 || span.count > 10'000 || rest + 1 != end ||
      std::string_view("dwmy").find(*rest) == std::string_view::npos) {
    return usage_error("--walk-forward " + key + "=" + text + ": give a length such as 30d, 12w, 6m or 2y");
  }
  span.unit = *rest;
  return span;
}

Timestamp day_start(Timestamp t) { return day_number(t) * k_ns_per_day; }

}  // namespace

std::string WalkForwardSpec::text() const {
  return "train=" + train.text() + ",test=" + test.text() + ",step=" + step.text();
}

Expected<WalkForwardSpec> parse_walk_forward(const std::string& text) {
  WalkForwardSpec spec;
  bool train = false, test = false, step = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    if (eq == std::string::npos) return usage_error("--walk-forward takes train=LEN,test=LEN[,step=LEN], not " + quote_value(text));
    AIOTS_TRY_ASSIGN(span, parse_span(key, item.substr(eq + 1)));
    if (key == "train") {
      spec.train = span;
      train = true;
    } else if (key == "test") {
      spec.test = span;
      test = true;
    } else if (key == "step") {
      spec.step = span;
      step = true;
    } else {
      return usage_error("--walk-forward: unknown key " + quote_value(key) + " (train, test, step)");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!train || !test) return usage_error("--walk-forward needs train=LEN and test=LEN");
  if (!step) spec.step = spec.test;
  return spec;
}

Timestamp add_span(Timestamp t, const CalendarSpan& span, int n) {
  const Timestamp day = day_start(t);
  const Timestamp within = t - day;
  const date::sys_days days{date::days{day / k_ns_per_day}};
  date::sys_days moved = days;
  const int count = span.count * n;
  if (span.unit == 'd' || span.unit == 'w') {
    moved = days + date::days{span.unit == 'w' ? 7 * count : count};
  } else {
    const date::year_month_day ymd{days};
    const date::months months{span.unit == 'y' ? 12 * count : count};
    date::year_month_day target = ymd + months;
    if (!target.ok()) target = date::year_month_day_last{target.year(), date::month_day_last{target.month()}};
    moved = date::sys_days{target};
  }
  // Past the instants a Timestamp holds (a 10000y window): the end of time, which no data reaches.
  const auto day_count = static_cast<std::int64_t>(moved.time_since_epoch().count());
  if (day_count > k_max_time / k_ns_per_day - 1) return k_max_time;
  if (day_count < k_min_time / k_ns_per_day + 1) return k_min_time;
  return day_count * k_ns_per_day + within;
}

std::vector<Fold> make_folds(const WalkForwardSpec& spec, Timestamp first, Timestamp last) {
  std::vector<Fold> folds;
  const Timestamp start = day_start(first);
  const Timestamp last_day = day_start(last);
  for (int k = 0; k < 100'000; ++k) {
    Fold f;
    f.train_from = add_span(start, spec.step, k);
    f.test_from = add_span(f.train_from, spec.train);
    f.train_to = f.test_from - k_ns_per_day;
    f.test_to = add_span(f.test_from, spec.test) - k_ns_per_day;
    // A window clamped at the end of time (add_span) is past any data.
    if (f.test_to > last_day || f.test_to >= k_max_time - k_ns_per_day) break;
    folds.push_back(f);
  }
  return folds;
}

}  // namespace aiots::cli
