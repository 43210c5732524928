// Option inputs on arbitrary bytes: the chain CSV reader (every vendor layout, OCC symbols,
// dates, --skip-invalid), then chain analytics on whatever it accepted; and the pricer, the
// implied volatility and the American pricers on any inputs the domain check lets through.
// Nothing may crash, and no accepted input may yield a NaN.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/options/american.hpp"
#include "engine/options/chain_analytics.hpp"
#include "marketdata/chain_csv.hpp"

using namespace aiots;
using namespace aiots::options;

namespace {

void check_pricer(const std::uint8_t* data, std::size_t size) {
  if (size < 7 * sizeof(double) + 1) return;
  double v[7];
  std::memcpy(v, data + 1, sizeof v);
  const BsInputs in{data[0] & 1 ? OptionType::Put : OptionType::Call, v[0], v[1], v[2], v[3], v[4], v[5]};
  if (input_domain_error(in) != nullptr) return;
  const Greeks g = bs_greeks(in);
  for (double x : {g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.dividend_rho, g.vanna, g.charm, g.vomma}) {
    if (!std::isfinite(x)) std::abort();
  }
  if (!std::isfinite(baw_price(in))) std::abort();
  if (in.years > 0) {
    const IvResult iv = implied_vol(in, std::isfinite(v[6]) ? std::fabs(v[6]) : g.price);
    if (!std::isfinite(iv.vol) || !std::isfinite(iv.uncertainty)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] & 0x80) {
    check_pricer(data, size);
    return 0;
  }
  static const TimeZone new_york = *TimeZone::locate("America/New_York");
  ChainImportOptions opt;
  opt.zone = new_york;
  opt.skip_invalid = data[0] & 1;
  if (data[0] & 2) opt.underlying = "FUZZ";
  if (data[0] & 4) opt.as_of = 1'767'387'600'000'000'000;  // 2026-01-02T21:00:00Z
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parsed = parse_chain_csv(text, "fuzz.csv", opt);
  if (!parsed) return 0;
  for (const ChainSnapshot& chain : parsed->snapshots) {
    const ChainParams params{std::isfinite(chain.spot) ? chain.spot : 100.0, chain.as_of, 0.01, 0};
    const auto metrics = analyse_contracts(chain, params);
    const ExposureReport r = analyse_exposure(chain, metrics, params);
    if (!std::isfinite(r.gex) || !std::isfinite(r.dex)) std::abort();
  }
  return 0;
}
