// Every column of every TTR oracle file, on ttrc and msft, against the streaming indicators.
#include <catch2/catch.hpp>
#include <functional>
#include <map>

#include "engine/indicators/bands.hpp"
#include "engine/indicators/indicator.hpp"
#include "engine/indicators/oscillators.hpp"
#include "engine/indicators/statistics.hpp"
#include "engine/indicators/volume.hpp"
#include "oracle_csv.hpp"

using namespace aiots;
using Columns = std::vector<std::vector<double>>;

namespace {

// Runs `step(bar, row)` over all bars, where row receives the outputs in oracle column order.
Columns run(const std::vector<Bar>& bars, std::size_t width, const std::function<void(const Bar&, double*)>& step) {
  Columns out(width);
  std::vector<double> row(width);
  for (const Bar& b : bars) {
    step(b, row.data());
    for (std::size_t c = 0; c < width; ++c) {
      out[c].push_back(row[c]);
    }
  }
  return out;
}

// Computes, for one oracle file name, our columns in the oracle's order.
Columns compute(const std::string& file, const std::vector<Bar>& bars) {
  if (file == "sma_20") {
    Sma x(20);
    return run(bars, 1, [&](const Bar& b, double* o) { o[0] = x.update(b.close); });
  }
  if (file == "ema_20") {
    Ema x(20);
    return run(bars, 1, [&](const Bar& b, double* o) { o[0] = x.update(b.close); });
  }
  if (file == "wma_20") {
    Wma x(20);
    return run(bars, 1, [&](const Bar& b, double* o) { o[0] = x.update(b.close); });
  }
  if (file == "rsi_14") {
    Rsi x(14);
    return run(bars, 1, [&](const Bar& b, double* o) { o[0] = x.update(b.close); });
  }
  if (file == "macd_12_26_9_percent" || file == "macd_12_26_9_abs") {
    auto x = std::make_shared<Macd>(12, 26, 9, file.ends_with("percent"));
    return run(bars, 2, [x](const Bar& b, double* o) {
      x->update(b.close);
      o[0] = x->macd();
      o[1] = x->signal();
    });
  }
  if (file == "bbands_20_2_close" || file == "bbands_20_2_hlc") {
    auto x = std::make_shared<Bollinger>(20, 2.0);
    const bool hlc = file.ends_with("hlc");
    return run(bars, 4, [x, hlc](const Bar& b, double* o) {
      x->update(hlc ? (b.high + b.low + b.close) / 3 : b.close);
      o[0] = x->lower();
      o[1] = x->middle();
      o[2] = x->upper();
      o[3] = x->percent_b();
    });
  }
  if (file == "runsd_20") {
    auto s = std::make_shared<RollingStdDev>(20, true);
    auto p = std::make_shared<RollingStdDev>(20, false);
    return run(bars, 2, [s, p](const Bar& b, double* o) {
      o[0] = s->update(b.close);
      o[1] = p->update(b.close);
    });
  }
  if (file == "roc_10") {
    auto c = std::make_shared<Roc>(10, true);
    auto d = std::make_shared<Roc>(10, false);
    return run(bars, 2, [c, d](const Bar& b, double* o) {
      o[0] = c->update(b.close);
      o[1] = d->update(b.close);
    });
  }
  if (file == "atr_14") {
    auto x = std::make_shared<Atr>(14);
    return run(bars, 4, [x](const Bar& b, double* o) {
      x->update(b.high, b.low, b.close);
      o[0] = x->true_range();
      o[1] = x->value();
      o[2] = x->true_high();
      o[3] = x->true_low();
    });
  }
  if (file == "stoch_14_3_3") {
    auto x = std::make_shared<Stochastic>(14, 3, 3);
    return run(bars, 3, [x](const Bar& b, double* o) {
      x->update(b.high, b.low, b.close);
      o[0] = x->fast_k();
      o[1] = x->fast_d();
      o[2] = x->slow_d();
    });
  }
  if (file == "vwap_20") {
    Vwap x(20);
    return run(bars, 1, [&](const Bar& b, double* o) { o[0] = x.update(b.close, b.volume); });
  }
  FAIL("no computation for oracle file " << file);
  return {};
}

const std::vector<std::string> k_files = {"sma_20",   "ema_20",         "wma_20",     "rsi_14",  "macd_12_26_9_percent",
                                          "macd_12_26_9_abs", "bbands_20_2_close", "bbands_20_2_hlc", "runsd_20",
                                          "roc_10",   "atr_14",         "stoch_14_3_3", "vwap_20"};

}  // namespace

TEST_CASE("Indicators match the TTR oracle on every column", "[engine][indicators][oracle]") {
  const std::string dataset = GENERATE(as<std::string>{}, "ttrc", "msft");
  const auto bars = test::read_bars(test::data_dir() + "/market/" + dataset + ".csv");
  REQUIRE(bars.size() > 200);
  std::size_t compared = 0;
  for (const std::string& file : k_files) {
    const auto oracle = test::read_oracle(test::data_dir() + "/oracle-ttr/" + dataset + "/" + file + ".csv");
    const Columns ours = compute(file, bars);
    REQUIRE(ours.size() == oracle.columns.size());
    for (std::size_t c = 0; c < ours.size(); ++c) {
      INFO(dataset << "/" << file << " column " << oracle.columns[c]);
      const long bad = test::first_mismatch(ours[c], oracle.values[c]);
      if (bad >= 0) {
        INFO("row " << bad + 2 << ": ours " << ours[c][static_cast<std::size_t>(bad)] << ", oracle "
                    << oracle.values[c][static_cast<std::size_t>(bad)]);
        CHECK(bad < 0);
      }
      compared += ours[c].size();
    }
  }
  CHECK(compared > 20 * bars.size());
}

TEST_CASE("The oracle comparison catches a 1e-8 relative error", "[engine][indicators][oracle]") {
  const auto bars = test::read_bars(test::data_dir() + "/market/msft.csv");
  const auto oracle = test::read_oracle(test::data_dir() + "/oracle-ttr/msft/sma_20.csv");
  Columns ours = compute("sma_20", bars);
  REQUIRE(test::first_mismatch(ours[0], oracle.values[0]) == -1);
  ours[0][100] *= 1 + 1e-8;
  CHECK(test::first_mismatch(ours[0], oracle.values[0]) == 100);
  ours = compute("sma_20", bars);
  ours[0][5] = 1.0;  // a value where the oracle has NA (warm-up)
  CHECK(test::first_mismatch(ours[0], oracle.values[0]) == 5);
}

TEST_CASE("The CLI's indicator registry computes what the classes compute", "[engine][indicators][oracle]") {
  const auto bars = test::read_bars(test::data_dir() + "/market/ttrc.csv");
  const std::map<std::string, std::string> spec_for = {
      {"sma_20", "sma(20)"}, {"macd_12_26_9_percent", "macd(12,26,9,percent)"}, {"bbands_20_2_hlc", "bbands(20,2,hlc)"},
      {"stoch_14_3_3", "stoch(14,3,3)"}, {"vwap_20", "vwap(20)"}, {"rsi_14", "rsi(14)"}};
  for (const auto& [file, text] : spec_for) {
    INFO(text);
    auto specs = parse_indicator_specs(text);
    REQUIRE(specs);
    auto ind = make_indicator(specs->front());
    const auto oracle = test::read_oracle(test::data_dir() + "/oracle-ttr/ttrc/" + file + ".csv");
    Columns ours(ind->columns().size());
    for (const Bar& b : bars) {
      ind->update(b);
      for (std::size_t c = 0; c < ours.size(); ++c) {
        ours[c].push_back(ind->values()[c]);
      }
    }
    // The registry's first columns follow the oracle's order (MACD adds a histogram column).
    for (std::size_t c = 0; c < std::min(ours.size(), oracle.values.size()); ++c) {
      CHECK(test::first_mismatch(ours[c], oracle.values[c]) == -1);
    }
  }
}
