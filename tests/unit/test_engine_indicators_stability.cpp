// Long-run numerical stability: rolling sums must not drift over millions of updates.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "engine/indicators/moving_averages.hpp"
#include "engine/indicators/statistics.hpp"
#include "engine/indicators/volume.hpp"

using namespace aiots;

namespace {

// The window mean computed afresh: summed in 113-bit quad precision (exact to far below a
// double ulp for 20-200 terms), rounded once to double, then divided by n.
double fresh_mean(const std::vector<double>& w, std::size_t end, std::size_t n) {
  __float128 s = 0;
  for (std::size_t i = end - n; i < end; ++i) {
    s += w[i];
  }
  return static_cast<double>(s) / static_cast<double>(n);
}

double fresh_sd(const std::vector<double>& w, std::size_t end, std::size_t n) {
  __float128 s = 0;
  for (std::size_t i = end - n; i < end; ++i) {
    s += w[i];
  }
  const __float128 mean = s / n;
  __float128 ss = 0;
  for (std::size_t i = end - n; i < end; ++i) {
    ss += (w[i] - mean) * (w[i] - mean);
  }
  return std::sqrt(static_cast<double>(ss / (n - 1)));
}

long ulps_apart(double a, double b) {
  return std::llabs(static_cast<long>(std::bit_cast<std::int64_t>(a) - std::bit_cast<std::int64_t>(b)));
}

// A random walk of prices with awkward decimals, around 1000 so that rounding matters.
std::vector<double> random_walk(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> xs(count);
  double p = 1000.123456789;
  for (double& x : xs) {
    p += static_cast<double>(static_cast<std::int64_t>(rng() % 2001) - 1000) * 0.0137;
    x = p;
  }
  return xs;
}

}  // namespace

TEST_CASE("SMA stays within 1 ulp of the fresh window mean after 10M updates", "[engine][indicators][stability]") {
  const std::size_t count = 10'000'000;
  const auto xs = random_walk(count, 42);
  for (const std::size_t n : {std::size_t{20}, std::size_t{200}}) {
    Sma sma(static_cast<int>(n));
    long worst = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const double v = sma.update(xs[i]);
      if (i + 1 >= n && ((i & 0x3FF) == 0 || i + 1 == count)) {
        worst = std::max(worst, ulps_apart(v, fresh_mean(xs, i + 1, n)));
      }
    }
    INFO("window " << n);
    CHECK(worst <= 1);
  }
}

TEST_CASE("A plain running sum drifts where the exact sum does not", "[engine][indicators][stability]") {
  // Shows what the exact sum protects against, and that the ulp check can fail.
  const std::size_t count = 10'000'000;
  const std::size_t n = 20;
  const auto xs = random_walk(count, 7);
  double naive = 0;
  for (std::size_t i = 0; i < count; ++i) {
    naive += xs[i] - (i >= n ? xs[i - n] : 0.0);
  }
  CHECK(ulps_apart(naive / n, fresh_mean(xs, count, n)) > 1);
}

TEST_CASE("Rolling sd and VWAP stay exact over 10M updates", "[engine][indicators][stability]") {
  const std::size_t count = 10'000'000;
  const std::size_t n = 50;
  const auto xs = random_walk(count, 99);
  RollingStdDev sd(static_cast<int>(n), true);
  Vwap vwap(static_cast<int>(n));
  double last_sd = 0;
  double last_vwap = 0;
  for (std::size_t i = 0; i < count; ++i) {
    last_sd = sd.update(xs[i]);
    last_vwap = vwap.update(xs[i], 1.0);  // unit volume: VWAP is then the plain mean
  }
  const double expected_sd = fresh_sd(xs, count, n);
  CHECK(std::fabs(last_sd - expected_sd) <= 1e-12 * expected_sd);
  CHECK(ulps_apart(last_vwap, fresh_mean(xs, count, n)) <= 1);
}
