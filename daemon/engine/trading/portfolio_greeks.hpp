// Net Greeks of positions: delta in units of the underlyings (stock counts its shares), gamma in
// shares per unit move, vega per 1.00 of volatility and theta per year, both in money.
#pragma once

namespace aiots {

struct PortfolioGreeks {
  double delta = 0;
  double gamma = 0;
  double vega = 0;
  double theta = 0;

  PortfolioGreeks& operator+=(const PortfolioGreeks& o) {
    delta += o.delta;
    gamma += o.gamma;
    vega += o.vega;
    theta += o.theta;
    return *this;
  }
};

}  // namespace aiots
