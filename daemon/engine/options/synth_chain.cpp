#include "engine/options/synth_chain.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/options/expiry.hpp"
#include "util/quote_value.hpp"

namespace aiots::options {
namespace {

// splitmix64: tiny, fast and the same on every platform (std:: distributions are not).
class Random {
public:
  explicit Random(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // Standard normal (Box-Muller, one of the pair).
  double normal() { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }

private:
  std::uint64_t m_state;
};

double tick_for(double price) { return price < 3.0 ? 0.01 : 0.05; }
double round_down(double v, double tick) { return std::floor(v / tick + 1e-9) * tick; }
double round_up(double v, double tick) { return std::ceil(v / tick - 1e-9) * tick; }
// Prices print as the cents they are (0.1 + 0.2 style noise removed).
double cents(double v) { return std::round(v * 100.0) / 100.0; }

double annualised_sd(std::span<const double> returns, double bars_per_year) {
  if (returns.size() < 2) return 0;
  double mean = 0;
  for (double r : returns) mean += r;
  mean /= static_cast<double>(returns.size());
  double sum_sq = 0;
  for (double r : returns) sum_sq += (r - mean) * (r - mean);
  return std::sqrt(sum_sq / static_cast<double>(returns.size() - 1) * bars_per_year);
}

bool multiple_of(double strike, double step) {
  const double q = strike / step;
  return std::abs(q - std::round(q)) < 1e-9;
}

}  // namespace

RealizedVol realized_vol(std::span<const double> closes, double bars_per_year) {
  std::vector<double> returns;
  for (std::size_t i = 1; i < closes.size(); ++i) {
    if (closes[i - 1] > 0 && closes[i] > 0) returns.push_back(std::log(closes[i] / closes[i - 1]));
  }
  RealizedVol out;
  const std::size_t short_n = std::min<std::size_t>(20, returns.size());
  const std::size_t long_n = std::min<std::size_t>(static_cast<std::size_t>(bars_per_year), returns.size());
  out.short_vol = annualised_sd(std::span(returns).last(short_n), bars_per_year);
  out.long_vol = annualised_sd(std::span(returns).last(long_n), bars_per_year);
  return out;
}

double default_strike_step(double spot) {
  if (spot < 25) return 0.5;
  if (spot < 100) return 1;
  if (spot < 250) return 2.5;
  if (spot < 1000) return 5;
  return 10;
}

bool is_monthly_expiry(std::int64_t local_day) {
  // Third Friday: a Friday on day-of-month 15..21.
  if (iso_weekday(local_day) != 5) return false;
  const std::string date = format_time(local_day * k_ns_per_day, true);
  const int day_of_month = std::stoi(date.substr(8, 2));
  return day_of_month >= 15 && day_of_month <= 21;
}

ChainSnapshot synthesize_chain(const SynthParams& p) {
  ChainSnapshot chain;
  chain.underlying = p.underlying;
  chain.as_of = p.as_of;
  chain.spot = p.spot;
  chain.synthetic = true;
  Random random(p.seed);
  // Realized volatility plus a variance premium, never below 5%.
  const double short_atm = std::max(0.05, 1.1 * p.realized.short_vol);
  const double long_atm = std::max(0.05, 1.1 * p.realized.long_vol);
  const double step = p.strike_step > 0 ? p.strike_step : default_strike_step(p.spot);
  const double lowest = round_up(p.spot * (1 - p.strike_range), step);
  const double highest = round_down(p.spot * (1 + p.strike_range), step);
  const double base_oi = std::clamp(p.average_volume / 20'000.0, 20.0, 20'000.0);
  for (std::size_t e = 0; e < p.expiries.size(); ++e) {
    const double years = years_between(p.as_of, p.expiries[e]);
    if (years <= 0) continue;
    const double atm = long_atm + (short_atm - long_atm) * std::exp(-years / 0.25);
    const double forward = p.spot * std::exp((p.rate - p.dividend) * years);
    const double expiry_weight = std::min(2.0, 0.3 + 12.0 * years) * (is_monthly_expiry(p.expiry_days[e]) ? 2.0 : 1.0);
    const double turnover = 0.15 + 0.6 * std::exp(-52.0 * years);
    for (double k = lowest; k <= highest + 1e-9; k += step) {
      const double strike = std::round(k / step) * step;
      const double m = std::log(strike / forward) / (atm * std::sqrt(years));
      const double iv = std::clamp(atm * (1 - 0.12 * m + 0.03 * m * m), 0.5 * atm, 3.0 * atm);
      const double closeness = std::log(strike / p.spot) / 0.08;
      const double round_weight = multiple_of(strike, 10 * step) ? 2.2 : multiple_of(strike, 5 * step) ? 1.6 : 1.0;
      for (OptionType type : {OptionType::Call, OptionType::Put}) {
        OptionQuote q;
        q.expiry = p.expiries[e];
        q.strike = strike;
        q.type = type;
        const double value = bs_price(BsInputs{type, p.spot, strike, years, p.rate, p.dividend, iv});
        const double half_spread = std::max(tick_for(value), 0.02 * value);
        q.bid = cents(std::max(0.0, round_down(value - half_spread, tick_for(value))));
        q.ask = cents(std::max(tick_for(value), round_up(value + half_spread, tick_for(value))));
        const bool otm_side = type == OptionType::Put ? strike < p.spot : strike > p.spot;
        const double side_weight = otm_side ? (type == OptionType::Put ? 1.3 : 1.2) : 1.0;
        const double oi = base_oi * (std::exp(-0.5 * closeness * closeness) + 0.05) * round_weight * expiry_weight *
                          side_weight * std::exp(0.35 * random.normal());
        q.open_interest = std::round(oi);
        double volume = q.open_interest * turnover * std::exp(0.5 * random.normal());
        if (random.uniform() < 0.02) volume *= 5 + 10 * random.uniform();  // a burst of activity
        q.volume = std::round(volume);
        const double last_noise = 1 + 0.02 * random.normal();
        if (q.volume > 0) q.last = cents(std::max(0.01, round_down(value * last_noise, 0.01)));
        chain.quotes.push_back(q);
      }
    }
  }
  std::sort(chain.quotes.begin(), chain.quotes.end(), quote_order);
  return chain;
}

namespace {

std::int64_t next_weekday(std::int64_t day) {
  while (iso_weekday(day) > 5) ++day;
  return day;
}

}  // namespace

// Resolves an --expiries list into local expiry dates after `as_of`: Nw (the next N Fridays),
// Nm (the next N third Fridays), Nd (N days on, rolled to a weekday) or YYYY-MM-DD.
Expected<std::vector<std::int64_t>> expiry_days(const std::string& spec, Timestamp as_of, const TimeZone& zone) {
  const std::int64_t today = day_number(zone.utc_to_local(as_of));
  // The first date whose 16:00 close is still ahead.
  const std::int64_t first = close_of_date(today, zone) > as_of ? today : today + 1;
  std::vector<std::int64_t> days;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = spec.find(',', start);
    const std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? spec.size() + 1 : comma + 1;
    if (item.empty()) continue;
    // A bare number counts days (7,30,60 = 7d,30d,60d).
    const bool bare = item.find_first_not_of("0123456789") == std::string::npos;
    const char unit = bare ? 'd' : item.back();
    if (unit == 'w' || unit == 'm' || unit == 'd') {
      int n = 0;
      try {
        std::size_t used = 0;
        const std::string digits = bare ? item : item.substr(0, item.size() - 1);
        n = std::stoi(digits, &used);
        if (used != digits.size() || n < 0 || n > 520) throw std::invalid_argument(item);
      } catch (const std::exception&) {
        return usage_error("--expiries: " + quote_value(item) + " is not Nw, Nm, Nd (N from 0 to 520) or a date");
      }
      if (unit == 'd') {
        days.push_back(next_weekday(std::max(first, today + n)));
        continue;
      }
      int found = 0;
      for (std::int64_t d = first; found < n; ++d) {
        if (iso_weekday(d) == 5 && (unit == 'w' || is_monthly_expiry(d))) {
          days.push_back(d);
          ++found;
        }
      }
      continue;
    }
    auto parsed = parse_time(item);
    if (!parsed || !parsed->date_only) {
      return usage_error("--expiries: " + quote_value(item) + " is not Nw, Nm, Nd or a date (YYYY-MM-DD)");
    }
    const std::int64_t day = day_number(parsed->ts);
    if (day < first) return usage_error("--expiries: " + item + " is not after the snapshot");
    days.push_back(day);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  if (days.empty()) return usage_error("--expiries gave no expiry dates");
  return days;
}

Expected<SynthParams> synth_params(const std::string& underlying, std::span<const Bar> bars, Timeframe timeframe,
                                   const std::string& expiries, const TimeZone& zone) {
  // Trading sessions in a year, and regular-session seconds in a day (09:30-16:00).
  constexpr double k_sessions_per_year = 252;
  constexpr double k_session_seconds = 6.5 * 3600;
  if (bars.size() < 3) return data_error("a synthetic chain needs at least 3 bars, found " + std::to_string(bars.size()));
  const bool daily = timeframe.is_daily_or_longer();
  const double seconds = static_cast<double>(timeframe.seconds);
  const double bars_per_day = daily ? 86'400.0 / seconds : k_session_seconds / seconds;
  const double bars_per_year = k_sessions_per_year * bars_per_day;
  const Bar& last = bars.back();
  SynthParams p;
  p.underlying = underlying;
  p.as_of = daily ? close_of_date(day_number(last.ts), zone) : last.ts + timeframe.ns();
  p.spot = last.close;
  // A year of returns is all the realized volatility reads.
  const std::size_t kept = std::min(bars.size(), static_cast<std::size_t>(bars_per_year) + 1);
  std::vector<double> closes;
  closes.reserve(kept);
  for (const Bar& b : bars.last(kept)) closes.push_back(b.close);
  p.realized = realized_vol(closes, bars_per_year);
  const std::size_t window = std::min<std::size_t>(20, bars.size());
  double volume = 0;
  for (const Bar& b : bars.last(window)) volume += b.volume;
  p.average_volume = volume / static_cast<double>(window) * bars_per_day;
  AIOTS_TRY_ASSIGN(days, expiry_days(expiries, p.as_of, zone));
  for (std::int64_t d : days) {
    p.expiry_days.push_back(d);
    p.expiries.push_back(close_of_date(d, zone));
  }
  return p;
}

}  // namespace aiots::options
