#include <cmath>

#include "engine/bars/bar.hpp"

namespace aiots {

double quote_price(const Quote& q) {
  return std::isnan(q.price) ? (q.bid + q.ask) / 2 : q.price;
}

}  // namespace aiots
