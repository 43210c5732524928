#include "engine/risk/risk_report.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aiots::risk {
namespace {

constexpr double k_z95 = 1.6448536269514722;
constexpr double k_z99 = 2.3263478740408408;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

double normal_density(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI); }

// Simple returns of the last `lookback` + 1 values.
std::vector<double> returns_of(const std::vector<double>& v, std::size_t lookback) {
  std::vector<double> out;
  const std::size_t n = v.size();
  const std::size_t first = n > lookback + 1 ? n - lookback - 1 : 0;
  for (std::size_t i = first + 1; i < n; ++i) {
    if (v[i - 1] > 0 && std::isfinite(v[i]) && std::isfinite(v[i - 1])) out.push_back(v[i] / v[i - 1] - 1);
  }
  return out;
}

double mean(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return x.empty() ? k_nan : s / static_cast<double>(x.size());
}

// Sample covariance of the last n values of a and b (aligned at their ends).
double covariance(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n < 2) return k_nan;
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ma += a[a.size() - n + i];
    mb += b[b.size() - n + i];
  }
  ma /= static_cast<double>(n);
  mb /= static_cast<double>(n);
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += (a[a.size() - n + i] - ma) * (b[b.size() - n + i] - mb);
  return s / static_cast<double>(n - 1);
}

// Mean of the returns at or below the p-quantile, as a positive loss.
double shortfall(const std::vector<double>& r, double q) {
  double s = 0;
  std::size_t n = 0;
  for (double v : r) {
    if (v <= q) {
      s += v;
      ++n;
    }
  }
  return n == 0 ? -q : -s / static_cast<double>(n);
}

}  // namespace

double quantile7(std::vector<double> x, double p) {
  if (x.empty()) return k_nan;
  std::sort(x.begin(), x.end());
  const double h = (static_cast<double>(x.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

RiskReport risk_report(const ReportInput& in) {
  RiskReport r;
  const std::vector<double> eq = returns_of(in.equity, in.lookback);
  r.observations = eq.size();
  if (!eq.empty()) {
    const double q95 = quantile7(eq, 0.05), q99 = quantile7(eq, 0.01);
    r.var95 = -q95;
    r.var99 = -q99;
    r.es95 = shortfall(eq, q95);
    r.es99 = shortfall(eq, q99);
    const double mu = mean(eq);
    const double sd = eq.size() > 1 ? std::sqrt(covariance(eq, eq)) : 0;
    r.var95_normal = k_z95 * sd - mu;
    r.var99_normal = k_z99 * sd - mu;
    r.es95_normal = normal_density(k_z95) / 0.05 * sd - mu;
    r.es99_normal = normal_density(k_z99) / 0.01 * sd - mu;
  }
  const std::vector<double> bench = returns_of(in.benchmark_closes, in.lookback);
  const double bench_var = covariance(bench, bench);
  r.beta = bench_var > 0 ? covariance(eq, bench) / bench_var : k_nan;

  // Position VaR: sigma_p^2 = w' S w over the holdings' return covariance S (money weights).
  std::vector<std::vector<double>> rets;
  for (const auto& h : in.holdings) {
    rets.push_back(returns_of(h.closes, in.lookback));
    r.gross += std::fabs(h.value);
    r.net += h.value;
  }
  std::size_t n = std::numeric_limits<std::size_t>::max();
  for (const auto& x : rets) n = std::min(n, x.size());
  r.position_observations = rets.empty() ? 0 : n;
  const std::size_t k = in.holdings.size();
  std::vector<double> sw(k, 0);  // (S w)_i
  double variance = 0;
  if (n >= 2) {
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t j = 0; j < k; ++j) {
        std::vector<double> a(rets[i].end() - static_cast<std::ptrdiff_t>(n), rets[i].end());
        std::vector<double> b(rets[j].end() - static_cast<std::ptrdiff_t>(n), rets[j].end());
        sw[i] += covariance(a, b) * in.holdings[j].value;
      }
      variance += in.holdings[i].value * sw[i];
    }
  }
  const double sigma = variance > 0 ? std::sqrt(variance) : 0;
  r.position_var95 = k_z95 * sigma;
  r.position_var99 = k_z99 * sigma;
  for (std::size_t i = 0; i < k; ++i) {
    Contribution c;
    c.symbol = in.holdings[i].symbol;
    c.value = in.holdings[i].value;
    c.weight = in.current_equity > 0 ? c.value / in.current_equity : k_nan;
    const double cov_b = covariance(rets[i], bench);
    c.beta = bench_var > 0 ? cov_b / bench_var : k_nan;
    c.var95 = sigma > 0 ? k_z95 * c.value * sw[i] / sigma : 0;
    c.share_of_var = r.position_var95 > 0 ? c.var95 / r.position_var95 : 0;
    if (std::isfinite(c.beta) && std::isfinite(c.weight)) r.holdings_beta += c.weight * c.beta;
    r.contributions.push_back(std::move(c));
  }
  return r;
}

}  // namespace aiots::risk
