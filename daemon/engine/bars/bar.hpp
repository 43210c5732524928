// OHLCV bars and quotes: the market-data values the engine consumes.
#pragma once

#include "util/time.hpp"

namespace aiots {

// One OHLCV bar, stamped with the UTC open time of its interval (daily and longer bars: 00:00 UTC
// of their session date).
struct Bar {
  Timestamp ts = 0;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;
};

inline bool operator==(const Bar& a, const Bar& b) {
  return a.ts == b.ts && a.open == b.open && a.high == b.high && a.low == b.low && a.close == b.close &&
         a.volume == b.volume;
}

// One quote or trade print; absent fields are NaN (a `datetime,price` stream has only `price`).
struct Quote {
  Timestamp ts = 0;
  double price = 0;
  double bid = 0;
  double ask = 0;
};

// What a stored series holds: OHLCV bars or a stream of quotes/trade prints.
enum class SeriesKind { Bars, Quotes };

// Returns the price a quote stands for: the trade price, else the bid/ask midpoint.
double quote_price(const Quote& q);

}  // namespace aiots
