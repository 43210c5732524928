#include "engine/risk/scenario.hpp"

#include <algorithm>
#include <cmath>

#include "util/parse_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::risk {
namespace {

constexpr std::string_view k_forms =
    "gap:-20%, crash:1987|2008|2020, vol:3x[/N bars], flash-crash:-9%/15m";

struct Crash {
  std::string_view name;
  std::string_view description;
  std::vector<double> moves;  // daily close-to-close, percent
};

// S&P 500 daily closes around each crash (percent changes of the index's published closes).
const std::vector<Crash>& crashes() {
  static const std::vector<Crash> all = {
      {"1987", "Black Monday: S&P 500, 1987-10-14 .. 1987-10-26",
       {-2.95, -2.34, -5.16, -20.47, 5.33, 9.10, -3.92, -0.01, -8.28}},
      {"2008", "Lehman: S&P 500, 2008-09-29 .. 2008-10-10",
       {-8.79, 5.42, -0.32, -4.03, -1.35, -3.85, -5.74, -1.13, -7.62, -1.18}},
      {"2020", "COVID: S&P 500, 2020-03-09 .. 2020-03-16", {-7.60, 4.94, -4.89, -9.51, 9.29, -11.98}},
  };
  return all;
}

// "-20%" or "-0.2" as a fraction.
std::optional<double> parse_move(std::string_view text) {
  const bool percent = text.ends_with('%');
  if (percent) text.remove_suffix(1);
  const auto v = parse_double(text);
  if (!v || !std::isfinite(*v)) return std::nullopt;
  return percent ? *v / 100 : *v;
}

// "15m", "90s", "1h" as seconds.
std::optional<std::int64_t> parse_duration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  const auto v = parse_double(text.substr(0, text.size() - 1));
  if (!v || !(*v > 0) || *v > 1e6) return std::nullopt;
  const double scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86'400 : 0;
  if (scale == 0) return std::nullopt;
  return static_cast<std::int64_t>(*v * scale);
}

Error bad(std::string_view text, std::string_view why) {
  return Error{ErrorKind::Usage, "--scenario " + quote_value(text) + ": " + std::string(why) + " (forms: " +
                                     std::string(k_forms) + ")"};
}

void scale_bar(Bar& b, double factor) {
  b.open *= factor;
  b.high *= factor;
  b.low *= factor;
  b.close *= factor;
}

}  // namespace

std::vector<std::string> known_crashes() {
  std::vector<std::string> out;
  for (const Crash& c : crashes()) out.push_back(std::string(c.name) + ": " + std::string(c.description));
  return out;
}

Expected<Scenario> parse_scenario(std::string_view text) {
  Scenario s;
  s.text = std::string(text);
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return tl::unexpected(bad(text, "no kind"));
  const std::string_view kind = text.substr(0, colon);
  const std::string_view arg = text.substr(colon + 1);
  if (kind == "gap") {
    const auto m = parse_move(arg);
    if (!m || !(*m > -1) || *m > 10) return tl::unexpected(bad(text, "a gap is a move above -100%, such as -20%"));
    s.kind = Scenario::Kind::Gap;
    s.move = *m;
    return s;
  }
  if (kind == "crash") {
    for (const Crash& c : crashes()) {
      if (c.name == arg) {
        s.kind = Scenario::Kind::Crash;
        for (double m : c.moves) s.daily_moves.push_back(m / 100);
        return s;
      }
    }
    return tl::unexpected(bad(text, "unknown crash (1987, 2008, 2020)"));
  }
  if (kind == "vol") {
    std::string_view factor = arg;
    const std::size_t slash = arg.find('/');
    if (slash != std::string_view::npos) {
      const auto n = parse_double(arg.substr(slash + 1));
      if (!n || !(*n >= 1) || *n > 1e7 || *n != std::floor(*n)) return tl::unexpected(bad(text, "N bars must be a whole number >= 1"));
      s.bars = static_cast<std::int64_t>(*n);
      factor = arg.substr(0, slash);
    }
    if (factor.ends_with('x')) factor.remove_suffix(1);
    const auto f = parse_double(factor);
    if (!f || !(*f > 0) || *f > 100) return tl::unexpected(bad(text, "a volatility factor is above 0 and at most 100, such as 3x"));
    s.kind = Scenario::Kind::Volatility;
    s.factor = *f;
    return s;
  }
  if (kind == "flash-crash") {
    const std::size_t slash = arg.find('/');
    if (slash == std::string_view::npos) return tl::unexpected(bad(text, "a flash crash needs a move and a duration"));
    const auto m = parse_move(arg.substr(0, slash));
    const auto d = parse_duration(arg.substr(slash + 1));
    if (!m || !(*m < 0) || !(*m > -1)) return tl::unexpected(bad(text, "a flash crash falls by less than 100%, such as -9%"));
    if (!d) return tl::unexpected(bad(text, "the duration is a number with s, m, h or d, such as 15m"));
    s.kind = Scenario::Kind::FlashCrash;
    s.move = *m;
    s.seconds = *d;
    return s;
  }
  return tl::unexpected(bad(text, "unknown kind " + quote_value(kind)));
}

std::optional<std::size_t> apply_scenario(const Scenario& s, std::vector<Bar>& bars, Timestamp at, Timeframe timeframe) {
  const auto first = std::lower_bound(bars.begin(), bars.end(), at, [](const Bar& b, Timestamp t) { return b.ts < t; });
  if (first == bars.end()) return std::nullopt;
  const auto start = static_cast<std::size_t>(first - bars.begin());
  switch (s.kind) {
    case Scenario::Kind::Gap:
      for (std::size_t i = start; i < bars.size(); ++i) scale_bar(bars[i], 1 + s.move);
      break;
    case Scenario::Kind::Crash: {
      // Each day's move scales that day and everything after it.
      double level = 1;
      std::size_t step = 0;
      std::int64_t day = INT64_MIN;
      for (std::size_t i = start; i < bars.size(); ++i) {
        const std::int64_t d = day_number(bars[i].ts);
        if (d != day && step < s.daily_moves.size()) {
          level *= 1 + s.daily_moves[step++];
          day = d;
        }
        scale_bar(bars[i], level);
      }
      break;
    }
    case Scenario::Kind::Volatility: {
      // Bar-to-bar moves of the close are multiplied by the factor for N bars, then the series
      // continues from where it got to (the level stays shifted).
      double level = 1;
      const std::size_t end = std::min(bars.size(), start + static_cast<std::size_t>(s.bars));
      double previous_close = start > 0 ? bars[start - 1].close : bars[start].open;
      for (std::size_t i = start; i < bars.size(); ++i) {
        const double original_close = bars[i].close;
        if (i < end && previous_close > 0) {
          const double move = original_close / previous_close - 1;
          const double shocked = std::max(1 + s.factor * move, 0.01);
          level *= shocked / (1 + move);
        }
        previous_close = original_close;
        scale_bar(bars[i], level);
        bars[i].high = std::max({bars[i].high, bars[i].open, bars[i].close});
        bars[i].low = std::min({bars[i].low, bars[i].open, bars[i].close});
      }
      break;
    }
    case Scenario::Kind::FlashCrash: {
      // A V: down to the trough at half the duration, back by its end. Bars in the window get
      // their low (and close, while falling) pulled down; a bar longer than the window gets the
      // trough in its low alone.
      const Timestamp t0 = bars[start].ts;
      const Timestamp span = s.seconds * k_ns_per_second;
      const Timestamp bar_ns = std::max<Timestamp>(timeframe.ns(), 1);
      for (std::size_t i = start; i < bars.size() && bars[i].ts < t0 + span; ++i) {
        Bar& b = bars[i];
        const double t_mid = static_cast<double>(b.ts + bar_ns / 2 - t0) / static_cast<double>(span);
        const double depth = bar_ns >= span ? 1.0 : std::max(0.0, 1 - std::fabs(2 * t_mid - 1));
        const double trough = b.open * (1 + s.move * std::max(depth, bar_ns >= span ? 1.0 : 0.0));
        b.low = std::min(b.low, trough);
        if (bar_ns < span) {
          b.close = std::max(b.low, b.close * (1 + s.move * depth));
          b.open = std::max(b.low, b.open);
          b.high = std::max({b.high, b.open, b.close});
        }
      }
      break;
    }
  }
  return start;
}

}  // namespace aiots::risk
