// The sweep's parameter space and walk-forward windows (cli/sweep/param_grid, walk_forward).
#include <catch2/catch.hpp>

#include <set>

#include "sweep/param_grid.hpp"
#include "sweep/walk_forward.hpp"

using namespace aiots;
using namespace aiots::cli;

namespace {

std::vector<lua::ParamDecl> declared() {
  return {
      lua::ParamDecl{"fast", "int", std::int64_t{10}, 1.0, 1000.0, ""},
      lua::ParamDecl{"mode", "string", std::string("a"), std::nullopt, std::nullopt, ""},
      lua::ParamDecl{"short", "bool", false, std::nullopt, std::nullopt, ""},
      lua::ParamDecl{"width", "number", 2.0, 0.5, 4.0, ""},
  };
}

Timestamp day(const char* text) { return parse_time(text)->ts; }

}  // namespace

TEST_CASE("A grid enumerates every combination, the last axis fastest", "[sweep]") {
  auto grid = ParamGrid::parse({"fast=5..15:5", "short=true,false"}, declared(), "s", 0, 0);
  REQUIRE(grid);
  REQUIRE(grid->size() == 6);
  CHECK(grid->overrides(0) == std::map<std::string, std::string>{{"fast", "5"}, {"short", "true"}});
  CHECK(grid->overrides(1) == std::map<std::string, std::string>{{"fast", "5"}, {"short", "false"}});
  CHECK(grid->overrides(5) == std::map<std::string, std::string>{{"fast", "15"}, {"short", "false"}});
  CHECK(grid->values_json(2).dump() == R"({"fast":10,"short":true})");
}

TEST_CASE("Number ranges land on their step's decimals", "[sweep]") {
  auto grid = ParamGrid::parse({"width=0.5..1.1:0.1"}, declared(), "s", 0, 0);
  REQUIRE(grid);
  REQUIRE(grid->size() == 7);
  CHECK(grid->overrides(2).at("width") == "0.7");
  CHECK(grid->overrides(6).at("width") == "1.1");
}

TEST_CASE("Axes are checked against the declared params", "[sweep]") {
  const auto error_of = [](std::vector<std::string> items) {
    auto grid = ParamGrid::parse(items, declared(), "sma", 0, 0);
    REQUIRE_FALSE(grid);
    CHECK(grid.error().kind == ErrorKind::Usage);
    return grid.error().message;
  };
  CHECK_THAT(error_of({"slow=1..5"}), Catch::Contains("sma declares no parameter 'slow'") && Catch::Contains("fast (int)"));
  CHECK_THAT(error_of({"fast=1.5..3"}), Catch::Contains("fast"));
  CHECK_THAT(error_of({"fast=0..3"}), Catch::Contains("fast"));             // below min=1
  CHECK_THAT(error_of({"fast=5..1"}), Catch::Contains("ends before it starts"));
  CHECK_THAT(error_of({"fast=1..9:0"}), Catch::Contains("step"));
  CHECK_THAT(error_of({"fast=1..9:1.5"}), Catch::Contains("step"));
  CHECK_THAT(error_of({"short=maybe"}), Catch::Contains("short"));
  CHECK_THAT(error_of({"mode=a..b"}), Catch::Contains("a range needs a numeric parameter"));
  CHECK_THAT(error_of({"width=1..2"}), Catch::Contains("needs a step"));
  CHECK_THAT(error_of({"fast=1,2", "fast=3"}), Catch::Contains("twice"));
  CHECK_THAT(error_of({"fast"}), Catch::Contains("NAME=LO..HI"));
  CHECK_THAT(error_of({"fast=1..1000:1", "width=0.5..4:0.000001"}), Catch::Contains("1e9"));
}

TEST_CASE("Random points depend only on seed and index, and stay in range", "[sweep]") {
  auto a = ParamGrid::parse({"fast=1..1000", "width=0.5..4"}, declared(), "s", 500, 42);
  auto b = ParamGrid::parse({"fast=1..1000", "width=0.5..4"}, declared(), "s", 500, 42);
  auto c = ParamGrid::parse({"fast=1..1000", "width=0.5..4"}, declared(), "s", 500, 43);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(a->size() == 500);
  std::set<std::string> fast_values;
  int differ = 0;
  for (std::uint64_t i = 0; i < 500; ++i) {
    CHECK(a->overrides(i) == b->overrides(i));
    differ += a->overrides(i) != c->overrides(i) ? 1 : 0;
    const auto values = a->values_json(i);
    const auto fast = values["fast"].get<std::int64_t>();
    const double width = values["width"].get<double>();
    CHECK((fast >= 1 && fast <= 1000));
    CHECK((width >= 0.5 && width < 4));
    fast_values.insert(std::to_string(fast));
  }
  CHECK(differ > 490);
  CHECK(fast_values.size() > 300);  // spread over the range, not stuck
}

TEST_CASE("Walk-forward specs parse, and bad ones name the problem", "[sweep]") {
  auto spec = parse_walk_forward("train=2y,test=6m,step=3m");
  REQUIRE(spec);
  CHECK(spec->text() == "train=2y,test=6m,step=3m");
  auto tiled = parse_walk_forward("train=30d,test=2w");
  REQUIRE(tiled);
  CHECK(tiled->step.text() == "2w");
  CHECK_FALSE(parse_walk_forward("train=2y"));
  CHECK_FALSE(parse_walk_forward("train=2x,test=1m"));
  CHECK_FALSE(parse_walk_forward("train=0y,test=1m"));
  CHECK_FALSE(parse_walk_forward("train=2y,test=1m,hop=1m"));
  CHECK_FALSE(parse_walk_forward("train=2y,test=m"));
}

TEST_CASE("Calendar spans clamp to a month's last day", "[sweep]") {
  const CalendarSpan month{1, 'm'};
  CHECK(format_time(add_span(day("2023-01-31"), month), true) == "2023-02-28");
  CHECK(format_time(add_span(day("2024-01-31"), month), true) == "2024-02-29");
  CHECK(format_time(add_span(day("2024-02-29"), CalendarSpan{1, 'y'}), true) == "2025-02-28");
  CHECK(format_time(add_span(day("2020-03-01"), CalendarSpan{2, 'w'}), true) == "2020-03-15");
  CHECK(format_time(add_span(day("1960-03-01"), CalendarSpan{6, 'm'}, 3), true) == "1961-09-01");
}

TEST_CASE("Walk-forward folds, checked by hand", "[sweep]") {
  // Data 2020-01-01 .. 2022-12-31; train 1y, test 6m, step 6m:
  //   fold 0: train 2020-01-01..2020-12-31, test 2021-01-01..2021-06-30
  //   fold 1: train 2020-07-01..2021-06-30, test 2021-07-01..2021-12-31
  //   fold 2: train 2021-01-01..2021-12-31, test 2022-01-01..2022-06-30
  //   fold 3: train 2021-07-01..2022-06-30, test 2022-07-01..2022-12-31
  //   (fold 4 would test 2023-01-01..2023-06-30: past the data)
  auto spec = parse_walk_forward("train=1y,test=6m,step=6m");
  REQUIRE(spec);
  const auto folds = make_folds(*spec, day("2020-01-01T14:30:00Z"), day("2022-12-31T21:00:00Z"));
  REQUIRE(folds.size() == 4);
  const auto text = [](const Fold& f) {
    return format_time(f.train_from, true) + " " + format_time(f.train_to, true) + " " + format_time(f.test_from, true) +
           " " + format_time(f.test_to, true);
  };
  CHECK(text(folds[0]) == "2020-01-01 2020-12-31 2021-01-01 2021-06-30");
  CHECK(text(folds[1]) == "2020-07-01 2021-06-30 2021-07-01 2021-12-31");
  CHECK(text(folds[2]) == "2021-01-01 2021-12-31 2022-01-01 2022-06-30");
  CHECK(text(folds[3]) == "2021-07-01 2022-06-30 2022-07-01 2022-12-31");
  // One day less of data: the last test window no longer fits.
  CHECK(make_folds(*spec, day("2020-01-01"), day("2022-12-30")).size() == 3);
  // Windows past the end of representable time make no fold (and no overflow).
  auto huge = parse_walk_forward("train=9999y,test=1y");
  REQUIRE(huge);
  CHECK(make_folds(*huge, day("1700-01-01"), day("2261-12-31")).empty());
  CHECK(add_span(day("2200-01-01"), CalendarSpan{9999, 'y'}) == k_max_time);
  // Shorter than one training and one test window: no fold.
  CHECK(make_folds(*spec, day("2020-01-01"), day("2021-05-01")).empty());
}
