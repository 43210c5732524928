#include <catch2/catch.hpp>

#include "engine/indicators/indicator.hpp"

using namespace aiots;

TEST_CASE("Indicator specs parse with defaults and modes", "[engine][indicators]") {
  auto specs = parse_indicator_specs("sma(20), rsi, macd(12,26,9,percent),bbands(20,2.5,hlc)");
  REQUIRE(specs);
  REQUIRE(specs->size() == 4);
  CHECK((*specs)[1].args == std::vector<double>{14});
  CHECK((*specs)[2].mode == "percent");
  CHECK((*specs)[3].args == std::vector<double>{20, 2.5});
  CHECK(make_indicator((*specs)[0])->columns() == std::vector<std::string>{"sma_20"});
  CHECK(make_indicator((*specs)[2])->columns() ==
        std::vector<std::string>{"macd_12_26_9_percent", "macd_12_26_9_percent_signal", "macd_12_26_9_percent_hist"});
  CHECK(make_indicator((*specs)[3])->columns().front() == "bbands_20_2.5_hlc_lower");
}

TEST_CASE("Bad indicator specs are usage errors that say what is allowed", "[engine][indicators]") {
  auto check = [](const char* text, const char* fragment) {
    auto r = parse_indicator_specs(text);
    INFO(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Usage);
    CHECK_THAT(r.error().message, Catch::Contains(fragment));
  };
  check("smaa(20)", "unknown indicator 'smaa(20)'");
  check("sma(0)", "n must be an integer >= 1");
  check("sma(2.5)", "n must be an integer");
  check("sma(20,3)", "too many numbers");
  check("macd(26,12,9)", "fast must be shorter than slow");
  check("rsi(14,foo)", "unexpected 'foo'");
  check("sma(20", "missing ')'");
  check("", "no indicator given");
}

TEST_CASE("Every catalogued indicator builds and warms up", "[engine][indicators]") {
  for (const IndicatorInfo& info : indicator_catalogue()) {
    INFO(info.name);
    auto specs = parse_indicator_specs(std::string(info.name));
    REQUIRE(specs);
    auto ind = make_indicator(specs->front());
    for (int i = 0; i < 300; ++i) {
      const double p = 100 + (i % 7) - (i % 3);
      ind->update(Bar{i, p, p + 1, p - 1, p + 0.5, 1000.0 + i});
    }
    for (double v : ind->values()) {
      CHECK(std::isfinite(v));
    }
  }
}
