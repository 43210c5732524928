// Options pricing against QuantLib 1.29 (tests/data/oracle-ql): BSM price and Greeks within
// 1e-9 * max(1, |oracle|), implied volatility within 1e-9 on every row QuantLib recovers, and
// the American pricer against a Leisen-Reimer tree.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "engine/options/american.hpp"
#include "engine/options/implied_vol.hpp"
#include "oracle_csv.hpp"

using namespace aiots;
using namespace aiots::options;

namespace {

struct Row {
  std::map<std::string, double> v;
  std::string type;
  std::string iv_status;
};

std::vector<Row> read_ql(const std::string& name) {
  std::ifstream in(test::data_dir() + "/oracle-ql/" + name);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) header.push_back(h);
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    Row r;
    std::stringstream ls(line);
    std::size_t i = 0;
    for (std::string cell; std::getline(ls, cell, ','); ++i) {
      if (header[i] == "type") r.type = cell;
      else if (header[i] == "iv_status") r.iv_status = cell;
      else r.v[header[i]] = cell == "nan" ? std::nan("") : std::stod(cell);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

BsInputs inputs(const Row& r) {
  return BsInputs{r.type == "call" ? OptionType::Call : OptionType::Put, r.v.at("S"), r.v.at("K"), r.v.at("T"),
                  r.v.at("r"), r.v.at("q"), r.v.at("sigma")};
}

bool close(double ours, double oracle, double scale = 1e-9) { return std::fabs(ours - oracle) <= scale * std::max(1.0, std::fabs(oracle)); }

}  // namespace

TEST_CASE("BSM price and Greeks match QuantLib on the 864-row grid", "[options][oracle]") {
  const auto rows = read_ql("bsm_grid.csv");
  REQUIRE(rows.size() == 864);
  double worst = 0;
  for (const Row& r : rows) {
    const Greeks g = bs_greeks(inputs(r));
    INFO(r.type << " S=" << r.v.at("S") << " K=" << r.v.at("K") << " T=" << r.v.at("T") << " r=" << r.v.at("r")
                << " q=" << r.v.at("q") << " sigma=" << r.v.at("sigma"));
    for (const auto& [name, ours] : std::vector<std::pair<std::string, double>>{
             {"price", g.price}, {"delta", g.delta}, {"gamma", g.gamma}, {"vega", g.vega},
             {"theta", g.theta}, {"rho", g.rho}, {"dividend_rho", g.dividend_rho}}) {
      const double oracle = r.v.at(name);
      INFO(name << ": ours " << ours << " oracle " << oracle);
      REQUIRE(close(ours, oracle));
      worst = std::max(worst, std::fabs(ours - oracle) / std::max(1.0, std::fabs(oracle)));
    }
    CHECK(bs_price(inputs(r)) == g.price);
  }
  INFO("worst relative error " << worst);
  CHECK(worst < 1e-11);
}

TEST_CASE("The oracle check would catch an error of 1e-8", "[options][oracle]") {
  const auto rows = read_ql("bsm_grid.csv");
  std::size_t caught = 0;
  for (const Row& r : rows) {
    const Greeks g = bs_greeks(inputs(r));
    const double oracle = r.v.at("price");
    if (!close(g.price + 1e-8 * std::max(1.0, std::fabs(oracle)), oracle)) ++caught;
  }
  CHECK(caught == rows.size());
}

TEST_CASE("Hull's textbook example", "[options][oracle]") {
  for (const Row& r : read_ql("hull_check.csv")) {
    const Greeks g = bs_greeks(inputs(r));
    for (const char* name : {"price", "delta", "gamma", "vega", "theta", "rho"}) {
      const double ours = std::string(name) == "price" ? g.price : std::string(name) == "delta" ? g.delta
                        : std::string(name) == "gamma" ? g.gamma : std::string(name) == "vega" ? g.vega
                        : std::string(name) == "theta" ? g.theta : g.rho;
      INFO(r.type << " " << name);
      CHECK(close(ours, r.v.at(name)));
    }
    CHECK(std::round(g.price * 100) / 100 == r.v.at("expected_price_2dp"));
  }
}

TEST_CASE("Second-order Greeks agree with finite differences of the closed forms", "[options]") {
  for (const OptionType type : {OptionType::Call, OptionType::Put}) {
    for (const double T : {0.05, 0.5, 2.0}) {
      const BsInputs in{type, 100, 105, T, 0.04, 0.015, 0.27};
      const Greeks g = bs_greeks(in);
      const auto with = [&](double ds, double dv, double dt) {
        BsInputs x = in;
        x.spot += ds;
        x.vol += dv;
        x.years += dt;
        return bs_greeks(x);
      };
      const double hs = 1e-3, hv = 1e-5, ht = 1e-6;
      CHECK(g.vanna == Approx((with(hs, 0, 0).vega - with(-hs, 0, 0).vega) / (2 * hs)).epsilon(1e-6));
      CHECK(g.vomma == Approx((with(0, hv, 0).vega - with(0, -hv, 0).vega) / (2 * hv)).epsilon(1e-5));
      CHECK(g.charm == Approx(-(with(0, 0, ht).delta - with(0, 0, -ht).delta) / (2 * ht)).epsilon(1e-5).margin(1e-9));
    }
  }
}

TEST_CASE("Implied volatility recovers sigma within 1e-9 on every row QuantLib recovers", "[options][oracle]") {
  std::size_t ok_rows = 0;
  std::size_t flagged = 0;
  int most_iterations = 0;
  for (const Row& r : read_ql("bsm_grid.csv")) {
    const IvResult iv = implied_vol(inputs(r), r.v.at("price"));
    INFO(r.type << " S=" << r.v.at("S") << " K=" << r.v.at("K") << " T=" << r.v.at("T") << " sigma=" << r.v.at("sigma")
                << " price=" << r.v.at("price") << " status " << to_string(iv.status) << " iv " << iv.vol);
    CHECK(std::isfinite(iv.vol));
    if (r.iv_status == "ok") {
      ++ok_rows;
      most_iterations = std::max(most_iterations, iv.iterations);
      if (iv.status == IvStatus::IllConditioned) {
        // One ulp of the price spans more than 1e-9 of sigma: within that span, and flagged.
        ++flagged;
        REQUIRE(std::fabs(iv.vol - r.v.at("sigma")) <= 2 * iv.uncertainty);
        continue;
      }
      REQUIRE(iv.status == IvStatus::Ok);
      REQUIRE(std::fabs(iv.vol - r.v.at("sigma")) <= 1e-9);
    } else if (r.iv_status == "error_negative_price") {
      CHECK(iv.status == IvStatus::BelowIntrinsic);
    }
  }
  CHECK(ok_rows == 769);
  CHECK(flagged <= 2);  // the deep in-the-money, low-volatility rows (implied_vol.hpp)
  INFO("most iterations " << most_iterations);
  CHECK(most_iterations <= 24);
}

TEST_CASE("Implied volatility reports prices that carry no volatility", "[options]") {
  const BsInputs call{OptionType::Call, 100, 90, 0.5, 0.05, 0.0, 0.2};
  const double intrinsic = lower_bound(call);
  CHECK(implied_vol(call, intrinsic - 0.01).status == IvStatus::BelowIntrinsic);
  CHECK(implied_vol(call, intrinsic).status == IvStatus::NoTimeValue);
  CHECK(implied_vol(call, upper_bound(call)).status == IvStatus::AboveUpperBound);
  CHECK(implied_vol(call, 1e9).status == IvStatus::AboveUpperBound);
  CHECK(implied_vol(call, -1).status == IvStatus::BelowIntrinsic);
  CHECK(implied_vol(call, std::nan("")).status == IvStatus::InvalidInput);
  CHECK(implied_vol(BsInputs{OptionType::Put, 100, 0, 0.5, 0.05, 0, 0}, 1).status == IvStatus::InvalidInput);
  CHECK(implied_vol(BsInputs{OptionType::Put, 100, 100, 0, 0.05, 0, 0}, 1).status == IvStatus::InvalidInput);
  // Extreme but valid: 5000% volatility and a far out-of-the-money 0DTE option.
  for (const double sigma : {0.001, 0.05, 1.0, 5.0, 10.0}) {
    const BsInputs in{OptionType::Put, 100, 120, 0.25, 0.03, 0.01, sigma};
    const IvResult iv = implied_vol(in, bs_price(in));
    INFO(sigma << " " << to_string(iv.status));
    CHECK_FALSE(is_error(iv.status));
    if (iv.status == IvStatus::Ok) CHECK(iv.vol == Approx(sigma).epsilon(1e-9));
  }
}

TEST_CASE("The American pricer agrees with an independent binomial tree within 1e-3", "[options][american]") {
  // The grid (documented in american.hpp): S 100, K 80..120, T 1 day to 3 months with sigma
  // 0.1..0.6 and 1 year with sigma 0.1..0.3, r 0..0.08, q 0..0.04, calls and puts. The pricer is
  // the Leisen-Reimer tree (801 steps to 3 months, 2401 beyond); the check is a
  // Cox-Ross-Rubinstein tree (mean of n and n+1 steps, n = 2000, or 4000 beyond 3 months).
  double worst = 0;
  for (const OptionType type : {OptionType::Call, OptionType::Put}) {
    for (const double K : {80.0, 100.0, 120.0}) {
      for (const double T : {1.0 / 365, 7.0 / 365, 30.0 / 365, 0.25, 1.0}) {
        for (const double sigma : {0.1, 0.3, 0.6}) {
          if (T > 0.25 && sigma > 0.3) continue;  // a year at 60%: the trees agree to 1.5e-3 only
          for (const auto& [r, q] : {std::pair{0.0, 0.04}, std::pair{0.08, 0.0}, std::pair{0.05, 0.02}}) {
            const BsInputs in{type, 100, K, T, r, q, sigma};
            const double ours = american_price(in, AmericanMethod::Tree);
            const double check = crr_price(in, T > 0.25 ? 4000 : 2000);
            INFO(to_string(type) << " K=" << K << " T=" << T << " sigma=" << sigma << " r=" << r << " q=" << q
                                 << " ours " << ours << " crr " << check);
            CHECK(std::fabs(ours - check) <= 1e-3);
            CHECK(ours >= bs_price(in) - 1e-5);  // the tree's own discretisation
            worst = std::max(worst, std::fabs(ours - check));
          }
        }
      }
    }
  }
  INFO("worst " << worst);
  CHECK(worst > 0);
}

TEST_CASE("Barone-Adesi-Whaley stays within its documented accuracy of the tree", "[options][american]") {
  // american.hpp: |BAW - tree| <= 0.005 up to a day, 0.02 up to a week, 0.06 up to a month,
  // 0.13 up to a year (worst over the grid; most options are far closer).
  for (const auto& [T, bound] : {std::pair{1.0 / 365, 0.005}, std::pair{7.0 / 365, 0.02}, std::pair{30.0 / 365, 0.06},
                                 std::pair{1.0, 0.13}}) {
    for (const OptionType type : {OptionType::Call, OptionType::Put}) {
      for (const double K : {80.0, 100.0, 120.0}) {
        for (const double sigma : {0.1, 0.3, 0.6}) {
          for (const auto& [r, q] : {std::pair{0.0, 0.04}, std::pair{0.08, 0.0}, std::pair{0.05, 0.02}}) {
            const BsInputs in{type, 100, K, T, r, q, sigma};
            INFO(to_string(type) << " K=" << K << " T=" << T << " sigma=" << sigma << " r=" << r << " q=" << q);
            CHECK(std::fabs(baw_price(in) - binomial_price(in)) <= bound);
            CHECK(baw_price(in) >= bs_price(in) - 1e-9);
          }
        }
      }
    }
  }
  // Without dividends a call is never exercised early; without interest a put is not.
  const BsInputs call{OptionType::Call, 100, 95, 0.5, 0.05, 0.0, 0.3};
  CHECK(baw_price(call) == bs_price(call));
  const BsInputs put{OptionType::Put, 100, 105, 0.5, 0.0, 0.02, 0.3};
  CHECK(baw_price(put) == bs_price(put));
}

TEST_CASE("The tree converges to BSM for European exercise", "[options][american]") {
  const BsInputs in{OptionType::Put, 100, 110, 0.75, 0.05, 0.02, 0.25};
  CHECK(binomial_price(in, 1001, false) == Approx(bs_price(in)).margin(1e-5));
}

TEST_CASE("Inside the input domain every price, Greek and implied volatility is finite", "[options]") {
  // Corners included: spot and strike log-uniform over 1e-6 .. 1e9, T up to 100 years, rates
  // and yields of +-100%, volatility up to 1000%. Found: Barone-Adesi-Whaley NaN in 2% of these
  // (now the tree answers there), an infinite IV uncertainty for subnormal prices (now capped).
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(0, 1);
  auto log_uniform = [&](double lo, double hi) { return std::exp(std::log(lo) + u(rng) * (std::log(hi) - std::log(lo))); };
  std::size_t non_finite = 0, bad_iv = 0;
  for (int i = 0; i < 200'000; ++i) {
    BsInputs in{i % 2 ? OptionType::Put : OptionType::Call, log_uniform(1e-6, 1e9), log_uniform(1e-6, 1e9),
                i % 7 == 0 ? 0.0 : (i % 3 ? u(rng) * 2 : u(rng) * 100), u(rng) * 2 - 1, u(rng) * 2 - 1,
                i % 11 == 0 ? 0.0 : u(rng) * 10};
    if (i % 5 == 0) in.strike = std::clamp(in.spot * (0.5 + u(rng)), 1e-6, 1e9);  // many near the money
    in.vol = std::min(in.vol, 9.999 / std::sqrt(std::max(in.years, 1.0)));    // vol * sqrt(T) <= 10
    REQUIRE(input_domain_error(in) == nullptr);
    const Greeks g = bs_greeks(in);
    for (double v : {g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.dividend_rho, g.vanna, g.charm, g.vomma}) {
      non_finite += std::isfinite(v) ? 0 : 1;
    }
    non_finite += std::isfinite(baw_price(in)) ? 0 : 1;
    if (in.years > 0) {
      const IvResult iv = implied_vol(in, g.price);
      bad_iv += std::isfinite(iv.vol) && std::isfinite(iv.uncertainty) ? 0 : 1;
    }
  }
  CHECK(non_finite == 0);
  CHECK(bad_iv == 0);
  CHECK(input_domain_error(BsInputs{OptionType::Call, 1e10, 1, 1, 0, 0, 0.2}) != nullptr);
  CHECK(input_domain_error(BsInputs{OptionType::Call, 1, 1, 101, 0, 0, 0.2}) != nullptr);
  CHECK(input_domain_error(BsInputs{OptionType::Call, 1, 1, 1, 0, 0, 10.5}) != nullptr);
  CHECK(input_domain_error(BsInputs{OptionType::Call, 1, 1, 1, 1.5, 0, 0.2}) != nullptr);
  CHECK(input_domain_error(BsInputs{OptionType::Call, 1, 1, 50, 0, 0, 2}) != nullptr);  // 2 * sqrt(50) > 10
}
