// Update throughput of each streaming indicator, against a plain (drifting) running-sum SMA.
#include <cstdio>
#include <functional>
#include <random>

#include "engine/bars/bar.hpp"
#include "engine/indicators/bands.hpp"
#include "engine/indicators/oscillators.hpp"
#include "engine/indicators/statistics.hpp"
#include "engine/indicators/volume.hpp"
#include "report.hpp"

namespace aiots::bench {
namespace {

constexpr std::size_t k_bars = 1'000'000;
constexpr int k_passes = 10;  // 10M updates per indicator

std::vector<Bar> make_bars() {
  std::mt19937_64 rng(3);
  std::vector<Bar> bars(k_bars);
  double p = 100;
  for (std::size_t i = 0; i < k_bars; ++i) {
    const double o = p;
    p += static_cast<double>(static_cast<int>(rng() % 201) - 100) / 1000;
    bars[i] = Bar{static_cast<Timestamp>(i), o, std::max(o, p) + 0.01, std::min(o, p) - 0.01, p,
                  static_cast<double>(rng() % 10000)};
  }
  return bars;
}

volatile double g_sink = 0;

// Runs a fresh indicator over the bars k_passes times and returns updates per second.
template <class Make, class Step>
double rate(const std::vector<Bar>& bars, Make make, Step step) {
  double total = 0;
  const double s = seconds([&] {
    for (int pass = 0; pass < k_passes; ++pass) {
      auto ind = make();
      for (const Bar& b : bars) {
        total += step(ind, b);
      }
    }
  });
  g_sink = total;
  return static_cast<double>(bars.size()) * k_passes / s;
}

}  // namespace

void run_indicator_benchmarks() {
  section("indicators: updates per second (10M updates each)");
  const auto bars = make_bars();
  // Baseline: the textbook running-sum SMA that drifts (what ExactSum replaces).
  const double plain = rate(
      bars, [] { return std::pair<std::vector<double>, double>(std::vector<double>(20), 0.0); },
      [i = std::size_t{0}](auto& st, const Bar& b) mutable {
        auto& [ring, sum] = st;
        const std::size_t slot = i++ % 20;
        sum += b.close - ring[slot];
        ring[slot] = b.close;
        return sum / 20;
      });
  figure("baseline: plain running-sum sma(20)", plain, "upd/s", 0, "");
  const double target = 50e6;
  const std::string base = "plain sma";
  figure("sma(20)", rate(bars, [] { return Sma(20); }, [](Sma& x, const Bar& b) { return x.update(b.close); }),
         "upd/s", plain, base, target);
  figure("ema(20)", rate(bars, [] { return Ema(20); }, [](Ema& x, const Bar& b) { return x.update(b.close); }),
         "upd/s", plain, base, target);
  figure("wma(20)", rate(bars, [] { return Wma(20); }, [](Wma& x, const Bar& b) { return x.update(b.close); }),
         "upd/s", plain, base, target);
  figure("rsi(14)", rate(bars, [] { return Rsi(14); }, [](Rsi& x, const Bar& b) { return x.update(b.close); }),
         "upd/s", plain, base, target);
  figure("macd(12,26,9)",
         rate(bars, [] { return Macd(12, 26, 9, false); },
              [](Macd& x, const Bar& b) {
                x.update(b.close);
                return x.signal();
              }),
         "upd/s", plain, base, target);
  figure("bbands(20,2)",
         rate(bars, [] { return Bollinger(20, 2); },
              [](Bollinger& x, const Bar& b) {
                x.update(b.close);
                return x.upper();
              }),
         "upd/s", plain, base, target);
  figure("atr(14)", rate(bars, [] { return Atr(14); },
                         [](Atr& x, const Bar& b) { return x.update(b.high, b.low, b.close); }),
         "upd/s", plain, base, target);
  figure("sd(20)", rate(bars, [] { return RollingStdDev(20, true); },
                        [](RollingStdDev& x, const Bar& b) { return x.update(b.close); }),
         "upd/s", plain, base, target);
  figure("roc(10) continuous", rate(bars, [] { return Roc(10, true); }, [](Roc& x, const Bar& b) { return x.update(b.close); }),
         "upd/s", plain, base, target);
  figure("roc(10) discrete", rate(bars, [] { return Roc(10, false); }, [](Roc& x, const Bar& b) { return x.update(b.close); }),
         "upd/s", plain, base, target);
  figure("stoch(14,3,3)",
         rate(bars, [] { return Stochastic(14, 3, 3); },
              [](Stochastic& x, const Bar& b) {
                x.update(b.high, b.low, b.close);
                return x.slow_d();
              }),
         "upd/s", plain, base, target);
  figure("vwap(20)", rate(bars, [] { return Vwap(20); }, [](Vwap& x, const Bar& b) { return x.update(b.close, b.volume); }),
         "upd/s", plain, base, target);
  figure("obv", rate(bars, [] { return Obv(); }, [](Obv& x, const Bar& b) { return x.update(b.close, b.volume); }),
         "upd/s", plain, base, target);
  figure("rvol(20)", rate(bars, [] { return RealizedVolatility(20, 252); },
                          [](RealizedVolatility& x, const Bar& b) { return x.update(b.close); }),
         "upd/s", plain, base, target);
}

}  // namespace aiots::bench
