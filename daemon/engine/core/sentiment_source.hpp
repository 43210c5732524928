// The seam through which a run sees news sentiment (ctx:sentiment): what was published about a
// symbol in a window ending now, never later (no look-ahead). The store implements it over the
// articles aiots data fetch-news keeps (store/news_store).
#pragma once

#include <optional>
#include <string>

#include "util/time.hpp"

namespace aiots {

struct Sentiment {
  double score = 0;      // relevance-weighted mean of the articles' scores for the symbol (-1..1)
  double relevance = 0;  // mean relevance of those articles (0..1)
  std::int64_t articles = 0;
  Timestamp latest = 0;  // the newest article's time
};

class SentimentSource {
public:
  virtual ~SentimentSource() = default;
  // Articles about `symbol` published in (now - window, now]; nullopt when there are none.
  virtual std::optional<Sentiment> at(const std::string& symbol, Timestamp now, Timestamp window) = 0;
};

}  // namespace aiots
