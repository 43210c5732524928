// Option contracts inside the engine: the engine's one place for them. It turns an OCC symbol
// into an instrument on an underlying of the run, prices each contract's bar from its
// underlying's bar (Black-Scholes-Merton at the contract's implied volatility from the chain
// source, held when the chain no longer lists it), says which positions expire at a bar, and
// sums the portfolio's Greeks. Backtests and the daemon share it through the engine.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "engine/options/chain_source.hpp"
#include "engine/trading/instrument.hpp"
#include "engine/trading/portfolio.hpp"
#include "engine/trading/portfolio_greeks.hpp"

namespace aiots {

struct SymbolBar;

// A contract's position to close at expiry, and the underlying to deliver when in the money.
struct Settlement {
  SymbolId option = 0;
  double intrinsic = 0;        // per unit of the underlying
  double underlying_close = 0;
};

class OptionDesk {
public:
  void set_source(options::ChainSource* source) { m_source = source; }
  bool has_source() const { return m_source != nullptr; }
  options::ChainSource* source() const { return m_source; }

  // Makes the instrument for OCC symbol `occ` (ROOT YYMMDD C|P strike*1000), whose root must be
  // an instrument of the run, expiring at `expiry_instant(its date)`; "UNKNOWN_SYMBOL: ..."
  // otherwise.
  static Expected<Instrument> instrument_for(std::string_view occ, const std::vector<Instrument>& instruments,
                                             const std::function<Timestamp(std::int64_t)>& expiry_instant,
                                             bool physical);
  // Starts tracking `option`, an instrument just added with option terms.
  void track(SymbolId option, const Instrument& instrument);

  // Appends to `out` a bar for every tracked, unexpired contract whose underlying has a bar in
  // `bars`, from index `first` of the tracked contracts on. Prices need an implied volatility:
  // a contract that never had one gets no bar (its orders wait).
  void derive_bars(std::span<const SymbolBar> bars, const std::vector<Instrument>& instruments,
                   std::vector<SymbolBar>& out, std::size_t first = 0);
  std::size_t tracked() const { return m_contracts.size(); }

  // Contracts whose expiry falls within the bar of their underlying just handled (listed by
  // derive_bars), each once.
  std::vector<Settlement> take_expiring();

  PortfolioGreeks greeks(const Portfolio& portfolio, Timestamp now) const;
  // The Greeks of the position in one instrument (a share position: delta = its quantity).
  PortfolioGreeks position_greeks(const Portfolio& portfolio, SymbolId symbol, Timestamp now) const;
  // When the bar of `underlying` that opened at `bar_ts` closes (bar_ts without a chain source).
  Timestamp close_time(const Instrument& underlying, Timestamp bar_ts) const;
  // The implied volatility a contract is priced at now (NaN before it has one).
  double volatility(SymbolId option) const;

private:
  struct Contract {
    SymbolId id = 0;
    OptionTerms terms;
    double vol = std::numeric_limits<double>::quiet_NaN();
    bool expired = false;
    bool expiring = false;       // expires within the current bar
    double underlying_close = 0;
  };
  double vol_from_chain(const Contract& c, const std::string& underlying, Timestamp now);

  options::ChainSource* m_source = nullptr;
  std::vector<Contract> m_contracts;
};

}  // namespace aiots
