#include "engine/options/chain_source.hpp"

#include "engine/options/occ_symbol.hpp"

namespace aiots::options {

PricedChain price_chain(ChainSnapshot chain, const ChainParams& params, const TimeZone& zone) {
  PricedChain out;
  out.metrics = analyse_contracts(chain, params);
  out.params = params;
  for (const OptionQuote& q : chain.quotes) {
    const std::int64_t day = day_number(zone.utc_to_local(q.expiry));
    out.expiry_days.push_back(day);
    out.symbols.push_back(format_occ_symbol(chain.underlying, day, q.type, q.strike).value_or(""));
  }
  out.chain = std::move(chain);
  return out;
}

}  // namespace aiots::options
