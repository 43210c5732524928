#include "engine/options/chain_analytics.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/options/expiry.hpp"

namespace aiots::options {

bool quote_order(const OptionQuote& a, const OptionQuote& b) {
  if (a.expiry != b.expiry) return a.expiry < b.expiry;
  if (a.strike != b.strike) return a.strike < b.strike;
  return a.type == OptionType::Call && b.type == OptionType::Put;
}

std::string_view to_string(DealerConvention convention) {
  return convention == DealerConvention::LongCallsShortPuts ? "long-calls-short-puts" : "short-all";
}

std::optional<DealerConvention> parse_dealer_convention(std::string_view text) {
  if (text == "long-calls-short-puts") return DealerConvention::LongCallsShortPuts;
  if (text == "short-all") return DealerConvention::ShortAll;
  return std::nullopt;
}

std::string_view to_string(PriceSource source) {
  switch (source) {
    case PriceSource::Mid: return "mid";
    case PriceSource::Last: return "last";
    case PriceSource::VendorIv: return "vendor_iv";
    case PriceSource::None: break;
  }
  return "none";
}

namespace {

bool usable(double v) { return std::isfinite(v) && v >= 0; }
double or_zero(double v) { return std::isfinite(v) ? v : 0.0; }

// The sign of the dealers' position in a contract under `convention`.
double dealer_sign(OptionType type, DealerConvention convention) {
  if (convention == DealerConvention::ShortAll) return -1.0;
  return type == OptionType::Call ? 1.0 : -1.0;
}

BsInputs inputs_for(const OptionQuote& q, const ChainParams& p, double years, double vol) {
  return BsInputs{q.type, p.spot, q.strike, years, p.rate, p.dividend, vol};
}

// Linear interpolation of y at x between two points (x0 != x1).
double lerp(double x0, double y0, double x1, double y1, double x) {
  return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

// The IV at `target` of a curve of (x, iv) points sorted by x: interpolated inside, the nearest
// end's value just outside (within one step), missing when the curve is empty.
double interpolate(const std::vector<std::pair<double, double>>& curve, double target) {
  if (curve.empty()) return k_missing;
  if (target <= curve.front().first) return curve.front().second;
  if (target >= curve.back().first) return curve.back().second;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    if (curve[i].first >= target) {
      return lerp(curve[i - 1].first, curve[i - 1].second, curve[i].first, curve[i].second, target);
    }
  }
  return curve.back().second;
}

// max pain of one expiry: the strike minimising what holders collect at expiry. With the
// contracts in strike order (as the chain keeps them), running sums give each candidate's
// payout in O(1): calls below S pay S * OI - sum(K * OI), puts above it sum(K * OI) - S * OI.
double max_pain(const std::vector<const OptionQuote*>& quotes) {
  double put_oi_total = 0, put_k_oi_total = 0;
  for (const OptionQuote* q : quotes) {
    if (q->type == OptionType::Put) {
      put_oi_total += or_zero(q->open_interest);
      put_k_oi_total += q->strike * or_zero(q->open_interest);
    }
  }
  double call_oi_below = 0, call_k_oi_below = 0, put_oi_below = 0, put_k_oi_below = 0;
  double best = k_missing;
  double best_payout = INFINITY;
  for (std::size_t i = 0; i < quotes.size();) {
    const double settle = quotes[i]->strike;
    // Contracts at this strike pay nothing if settled here: add them after pricing it.
    const double payout = settle * call_oi_below - call_k_oi_below + (put_k_oi_total - put_k_oi_below) -
                          settle * (put_oi_total - put_oi_below);
    if (payout < best_payout) {
      best_payout = payout;
      best = settle;
    }
    for (; i < quotes.size() && quotes[i]->strike == settle; ++i) {
      const double oi = or_zero(quotes[i]->open_interest);
      if (quotes[i]->type == OptionType::Call) {
        call_oi_below += oi;
        call_k_oi_below += settle * oi;
      } else {
        put_oi_below += oi;
        put_k_oi_below += settle * oi;
      }
    }
  }
  return best;
}

double ratio(double puts, double calls) { return calls > 0 ? puts / calls : k_missing; }

ExpiryStats expiry_stats(const ChainSnapshot& chain, const std::vector<ContractMetrics>& metrics,
                         const ChainParams& params, std::size_t begin, std::size_t end) {
  ExpiryStats s;
  s.expiry = chain.quotes[begin].expiry;
  s.years = metrics[begin].years;
  s.forward = params.spot * std::exp((params.rate - params.dividend) * std::max(0.0, s.years));
  std::vector<std::pair<double, double>> otm;        // (strike, iv) of out-of-the-money contracts
  std::vector<std::pair<double, double>> put_curve;  // (delta, iv), delta ascending
  std::vector<std::pair<double, double>> call_curve;
  std::vector<const OptionQuote*> quotes;
  for (std::size_t i = begin; i < end; ++i) {
    const OptionQuote& q = chain.quotes[i];
    const ContractMetrics& m = metrics[i];
    quotes.push_back(&q);
    const bool call = q.type == OptionType::Call;
    (call ? s.call_oi : s.put_oi) += or_zero(q.open_interest);
    (call ? s.call_volume : s.put_volume) += or_zero(q.volume);
    s.gex += m.gex;
    s.dex += m.dex;
    if (!std::isfinite(m.iv) || m.iv <= 0) continue;
    if ((call && q.strike >= s.forward) || (!call && q.strike < s.forward)) otm.emplace_back(q.strike, m.iv);
    (call ? call_curve : put_curve).emplace_back(m.delta, m.iv);
  }
  std::sort(otm.begin(), otm.end());
  std::sort(put_curve.begin(), put_curve.end());
  std::sort(call_curve.begin(), call_curve.end());
  s.atm_iv = interpolate(otm, s.forward);
  // A 25-delta point exists only when the curve reaches both sides of it.
  auto at_delta = [](const std::vector<std::pair<double, double>>& curve, double delta) {
    if (curve.size() < 2 || delta < curve.front().first || delta > curve.back().first) return k_missing;
    return interpolate(curve, delta);
  };
  s.put_25d_iv = at_delta(put_curve, -0.25);
  s.call_25d_iv = at_delta(call_curve, 0.25);
  if (std::isfinite(s.put_25d_iv) && std::isfinite(s.call_25d_iv)) s.skew_25d = s.put_25d_iv - s.call_25d_iv;
  s.max_pain = max_pain(quotes);
  s.pc_volume = ratio(s.put_volume, s.call_volume);
  s.pc_oi = ratio(s.put_oi, s.call_oi);
  return s;
}

}  // namespace

double quote_price(const OptionQuote& q, PriceSource& source) {
  if (usable(q.bid) && usable(q.ask) && q.ask > 0 && q.ask >= q.bid) {
    source = PriceSource::Mid;
    return 0.5 * (q.bid + q.ask);
  }
  if (usable(q.last) && q.last > 0) {
    source = PriceSource::Last;
    return q.last;
  }
  source = PriceSource::None;
  return k_missing;
}

std::vector<ContractMetrics> analyse_contracts(const ChainSnapshot& chain, const ChainParams& params) {
  std::vector<ContractMetrics> out(chain.quotes.size());
  const double dollar_gamma = k_contract_multiplier * params.spot * params.spot * 0.01;
  const double dollar_delta = k_contract_multiplier * params.spot;
  for (std::size_t i = 0; i < chain.quotes.size(); ++i) {
    const OptionQuote& q = chain.quotes[i];
    ContractMetrics& m = out[i];
    m.years = years_between(params.now, q.expiry);
    m.price = quote_price(q, m.source);
    // Expired, or outside what the pricer computes without overflow: no volatility, no exposure.
    if (m.years <= 0 || input_domain_error(inputs_for(q, params, m.years, 0)) != nullptr) {
      m.iv_status = IvStatus::InvalidInput;
      continue;
    }
    if (m.source != PriceSource::None) {
      const IvResult iv = implied_vol(inputs_for(q, params, m.years, 0), m.price);
      m.iv_status = iv.status;
      if (!is_error(iv.status) && iv.vol > 0) m.iv = iv.vol;
    }
    if (!std::isfinite(m.iv) && usable(q.vendor_iv) && q.vendor_iv > 0 && q.vendor_iv <= k_max_vol) {
      m.iv = q.vendor_iv;
      m.source = PriceSource::VendorIv;
      m.iv_status = IvStatus::Ok;
    }
    if (!std::isfinite(m.iv)) continue;
    const Greeks g = bs_greeks(inputs_for(q, params, m.years, m.iv));
    m.delta = g.delta;
    m.gamma = g.gamma;
    m.vega = g.vega;
    m.theta = g.theta;
    const double oi = or_zero(q.open_interest);
    const double sign = dealer_sign(q.type, params.convention);
    m.gex = sign * g.gamma * oi * dollar_gamma;
    m.dex = sign * g.delta * oi * dollar_delta;
  }
  return out;
}

namespace {

// What total GEX needs of one contract, with everything that does not depend on the spot
// computed once: at spot S, d1 = (ln S - ln_strike + carry) / stddev + stddev / 2 and the
// contract adds weight * phi(d1) / S of gamma times open interest.
struct GammaTerm {
  double ln_strike_less_carry, stddev, weight;
};

std::vector<GammaTerm> gamma_terms(const ChainSnapshot& chain, const std::vector<ContractMetrics>& metrics,
                                   const ChainParams& params) {
  std::vector<GammaTerm> terms;
  for (std::size_t i = 0; i < chain.quotes.size(); ++i) {
    const OptionQuote& q = chain.quotes[i];
    const ContractMetrics& m = metrics[i];
    const double oi = or_zero(q.open_interest);
    if (!std::isfinite(m.iv) || m.years <= 0 || oi <= 0) continue;
    const double stddev = m.iv * std::sqrt(m.years);
    terms.push_back({std::log(q.strike) - (params.rate - params.dividend) * m.years, stddev,
                     dealer_sign(q.type, params.convention) * oi * std::exp(-params.dividend * m.years) / stddev});
  }
  return terms;
}

double total_gex(const std::vector<GammaTerm>& terms, double spot) {
  const double ln_spot = std::log(spot);
  double total = 0;
  for (const GammaTerm& t : terms) {
    const double d1 = (ln_spot - t.ln_strike_less_carry) / t.stddev + 0.5 * t.stddev;
    total += t.weight * normal_pdf(d1);
  }
  // sum of gamma * OI is total / spot; GEX = that * 100 * spot^2 * 1%.
  return total * k_contract_multiplier * spot * 0.01;
}

// The spot nearest today's where total GEX changes sign: scanned outwards from the spot in
// steps of 1% of the range, then refined by bisection to 1e-4.
std::optional<double> zero_gamma(const std::vector<GammaTerm>& terms, double spot, double range) {
  const double at_spot = total_gex(terms, spot);
  if (at_spot == 0) return std::nullopt;
  const int steps = 100;
  const double step = spot * range / steps;
  for (int i = 1; i <= steps; ++i) {
    for (double direction : {-1.0, 1.0}) {
      const double inner = spot + direction * step * (i - 1);
      const double outer = spot + direction * step * i;
      if (outer <= 0) continue;
      const double g_inner = i == 1 ? at_spot : total_gex(terms, inner);
      const double g_outer = total_gex(terms, outer);
      if ((g_inner < 0) == (g_outer < 0)) continue;
      double lo = inner, hi = outer, g_lo = g_inner;
      for (int k = 0; k < 60 && std::abs(hi - lo) > 1e-4; ++k) {
        const double mid = 0.5 * (lo + hi);
        const double g_mid = total_gex(terms, mid);
        if ((g_mid < 0) == (g_lo < 0)) {
          lo = mid;
          g_lo = g_mid;
        } else {
          hi = mid;
        }
      }
      return 0.5 * (lo + hi);
    }
  }
  return std::nullopt;
}

}  // namespace

double total_gex_at(const ChainSnapshot& chain, const std::vector<ContractMetrics>& metrics,
                    const ChainParams& params, double spot) {
  return total_gex(gamma_terms(chain, metrics, params), spot);
}

ExposureReport analyse_exposure(const ChainSnapshot& chain, const std::vector<ContractMetrics>& metrics,
                                const ChainParams& params, const ExposureOptions& options) {
  ExposureReport r;
  r.contracts = chain.quotes.size();
  std::map<double, StrikeExposure> by_strike;
  for (std::size_t i = 0; i < chain.quotes.size(); ++i) {
    const OptionQuote& q = chain.quotes[i];
    const ContractMetrics& m = metrics[i];
    const bool call = q.type == OptionType::Call;
    StrikeExposure& s = by_strike[q.strike];
    s.strike = q.strike;
    (call ? s.call_gex : s.put_gex) += m.gex;
    (call ? s.call_dex : s.put_dex) += m.dex;
    (call ? s.call_oi : s.put_oi) += or_zero(q.open_interest);
    (call ? s.call_volume : s.put_volume) += or_zero(q.volume);
    if (std::isfinite(m.iv)) ++r.priced;
    const double volume = or_zero(q.volume);
    const double ratio_now = volume / std::max(1.0, or_zero(q.open_interest));
    if (volume >= options.unusual_min_volume && ratio_now >= options.unusual_ratio) {
      r.unusual.push_back({i, ratio_now});
    }
  }
  for (auto& [strike, s] : by_strike) {
    s.gex = s.call_gex + s.put_gex;
    s.dex = s.call_dex + s.put_dex;
    r.gex += s.gex;
    r.dex += s.dex;
    r.call_oi += s.call_oi;
    r.put_oi += s.put_oi;
    r.call_volume += s.call_volume;
    r.put_volume += s.put_volume;
    r.strikes.push_back(s);
  }
  r.pc_volume = ratio(r.put_volume, r.call_volume);
  r.pc_oi = ratio(r.put_oi, r.call_oi);
  for (std::size_t begin = 0; begin < chain.quotes.size();) {
    std::size_t end = begin;
    while (end < chain.quotes.size() && chain.quotes[end].expiry == chain.quotes[begin].expiry) ++end;
    r.expiries.push_back(expiry_stats(chain, metrics, params, begin, end));
    begin = end;
  }
  std::stable_sort(r.unusual.begin(), r.unusual.end(),
                   [](const UnusualContract& a, const UnusualContract& b) { return a.ratio > b.ratio; });
  r.zero_gamma = zero_gamma(gamma_terms(chain, metrics, params), params.spot, options.zero_gamma_range);
  return r;
}

}  // namespace aiots::options
