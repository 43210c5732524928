#include "engine/core/option_desk.hpp"

#include <cmath>
#include <functional>

#include "engine/core/engine.hpp"
#include "engine/options/expiry.hpp"
#include "engine/options/occ_symbol.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots {
namespace {

using options::BsInputs;
using options::OptionType;

// Years left to expiry, 0 once it has passed.
double years_left(Timestamp from, Timestamp to) { return std::max(0.0, options::years_between(from, to)); }

}  // namespace

Expected<Instrument> OptionDesk::instrument_for(std::string_view occ, const std::vector<Instrument>& instruments,
                                                const std::function<Timestamp(std::int64_t)>& expiry_instant,
                                                bool physical) {
  const auto parsed = options::parse_occ_symbol(occ);
  if (!parsed) {
    return data_error("UNKNOWN_SYMBOL: " + quote_value(occ) +
                      " is neither a symbol of this run nor an OCC option symbol (e.g. MSFT011019C00050000)");
  }
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    if (instruments[i].symbol == parsed->root && !instruments[i].option) {
      Instrument out;
      out.symbol = std::string(occ);
      out.multiplier = options::k_contract_multiplier;
      out.tick_size = 0.01;
      out.timeframe = instruments[i].timeframe;
      out.option = OptionTerms{static_cast<SymbolId>(i), expiry_instant(parsed->expiry_day), parsed->strike,
                               parsed->type, physical};
      return out;
    }
  }
  return data_error("UNKNOWN_SYMBOL: the underlying " + parsed->root + " of " + std::string(occ) +
                    " is not a symbol of this run");
}

void OptionDesk::track(SymbolId option, const Instrument& instrument) {
  Contract c;
  c.id = option;
  c.terms = *instrument.option;
  m_contracts.push_back(c);
}

double OptionDesk::vol_from_chain(const Contract& c, const std::string& underlying, Timestamp now) {
  const options::PricedChain* priced = m_source ? m_source->chain(underlying, now) : nullptr;
  if (priced == nullptr) return c.vol;
  // The contract itself, else the same expiry's curve at this strike (nearest listed strikes,
  // linearly), else what it had.
  const auto& quotes = priced->chain.quotes;
  const options::OptionQuote* below = nullptr;
  const options::OptionQuote* above = nullptr;
  double vol_below = 0, vol_above = 0;
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const options::OptionQuote& q = quotes[i];
    const double iv = priced->metrics[i].iv;
    if (q.expiry != c.terms.expiry || q.type != c.terms.type || !std::isfinite(iv)) continue;
    if (q.strike == c.terms.strike) return iv;
    if (q.strike < c.terms.strike) {
      below = &q;
      vol_below = iv;
    } else if (above == nullptr) {
      above = &q;
      vol_above = iv;
    }
  }
  if (below && above) {
    return vol_below + (vol_above - vol_below) * (c.terms.strike - below->strike) / (above->strike - below->strike);
  }
  if (below) return vol_below;
  if (above) return vol_above;
  return c.vol;
}

void OptionDesk::derive_bars(std::span<const SymbolBar> bars, const std::vector<Instrument>& instruments,
                             std::vector<SymbolBar>& out, std::size_t first) {
  if (m_source == nullptr) return;
  for (std::size_t k = first; k < m_contracts.size(); ++k) {
    Contract& c = m_contracts[k];
    if (c.expired) continue;
    const SymbolBar* under = nullptr;
    for (const SymbolBar& b : bars) {
      if (b.symbol == c.terms.underlying) under = &b;
    }
    if (under == nullptr) continue;
    const Instrument& u = instruments[static_cast<std::size_t>(c.terms.underlying)];
    // The bar spans [open time, close time] (a daily bar closes at its session's 16:00 close),
    // so a contract expiring with the bar is worth its intrinsic value at the bar's close. The
    // chain is the one known when the bar closed.
    const Timestamp open_time = under->bar.ts;
    const Timestamp bar_end = m_source->bar_close(under->bar.ts, u.timeframe);
    c.vol = vol_from_chain(c, u.symbol, bar_end);
    if (!std::isfinite(c.vol) || c.vol <= 0) continue;
    const Timestamp close_time = std::min(bar_end, c.terms.expiry);
    const double rate = m_source->rate(), dividend = m_source->dividend();
    auto value = [&](double spot, Timestamp t) {
      return options::bs_price(BsInputs{c.terms.type, spot, c.terms.strike, years_left(t, c.terms.expiry), rate,
                                        dividend, c.vol});
    };
    const bool call = c.terms.type == OptionType::Call;
    Bar bar;
    bar.ts = under->bar.ts;
    bar.open = value(under->bar.open, open_time);
    bar.close = value(under->bar.close, close_time);
    const double at_high = value(call ? under->bar.high : under->bar.low, close_time);
    const double at_low = value(call ? under->bar.low : under->bar.high, close_time);
    bar.high = std::max({bar.open, bar.close, at_high, at_low});
    bar.low = std::min({bar.open, bar.close, at_high, at_low});
    // Contract volume is not known bar by bar; --volume-cap does not limit option fills.
    bar.volume = 1e12;
    out.push_back(SymbolBar{c.id, bar});
    if (bar_end >= c.terms.expiry) {
      c.expiring = true;
      c.underlying_close = under->bar.close;
    }
  }
}

std::vector<Settlement> OptionDesk::take_expiring() {
  std::vector<Settlement> out;
  for (Contract& c : m_contracts) {
    if (!c.expiring) continue;
    c.expiring = false;
    c.expired = true;
    const double intrinsic = c.terms.type == OptionType::Call ? std::max(0.0, c.underlying_close - c.terms.strike)
                                                              : std::max(0.0, c.terms.strike - c.underlying_close);
    out.push_back(Settlement{c.id, intrinsic, c.underlying_close});
  }
  return out;
}

Timestamp OptionDesk::close_time(const Instrument& underlying, Timestamp bar_ts) const {
  return m_source ? m_source->bar_close(bar_ts, underlying.timeframe) : bar_ts;
}

double OptionDesk::volatility(SymbolId option) const {
  for (const Contract& c : m_contracts) {
    if (c.id == option) return c.vol;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

PortfolioGreeks OptionDesk::position_greeks(const Portfolio& portfolio, SymbolId symbol, Timestamp now) const {
  PortfolioGreeks g;
  const Instrument& inst = portfolio.instruments()[static_cast<std::size_t>(symbol)];
  const double quantity = static_cast<double>(portfolio.position(symbol).quantity);
  if (quantity == 0) return g;
  if (!inst.option) {
    g.delta = quantity * inst.multiplier;  // the underlying itself: delta 1 per unit
    return g;
  }
  const double vol = volatility(symbol);
  const double spot = portfolio.last_price(inst.option->underlying);
  if (!std::isfinite(vol) || !(spot > 0)) return g;
  const double rate = m_source ? m_source->rate() : 0, dividend = m_source ? m_source->dividend() : 0;
  const OptionTerms& t = *inst.option;
  const options::Greeks x =
      options::bs_greeks(BsInputs{t.type, spot, t.strike, years_left(now, t.expiry), rate, dividend, vol});
  const double units = quantity * inst.multiplier;
  g.delta = units * x.delta;
  g.gamma = units * x.gamma;
  g.vega = units * x.vega;
  g.theta = units * x.theta;
  return g;
}

PortfolioGreeks OptionDesk::greeks(const Portfolio& portfolio, Timestamp now) const {
  PortfolioGreeks total;
  for (std::size_t s = 0; s < portfolio.instruments().size(); ++s) {
    total += position_greeks(portfolio, static_cast<SymbolId>(s), now);
  }
  return total;
}

}  // namespace aiots
