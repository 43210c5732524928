// News articles with their sentiment in the store (aiots data fetch-news), and the sentiment
// source runs read them through (ctx:sentiment).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/core/sentiment_source.hpp"
#include "store/database.hpp"

namespace aiots {

struct TickerSentiment {
  std::string symbol;
  double relevance = 0;
  double score = 0;
  std::string label;
};

struct NewsArticle {
  std::string url;
  Timestamp time = 0;
  std::string source;
  std::string title;
  double overall_score = 0;
  std::string overall_label;
  std::vector<TickerSentiment> tickers;
};

struct NewsWriteStats {
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
};

// Writes articles (call inside a transaction); an article already stored (same URL) is updated
// with what the provider says now.
Expected<NewsWriteStats> write_news(Database& db, const std::vector<NewsArticle>& articles, const std::string& provider);

// The sentiment source over the stored articles; `db` must outlive it.
class StoredSentiment final : public SentimentSource {
public:
  static Expected<std::unique_ptr<StoredSentiment>> open(Database& db);
  std::optional<Sentiment> at(const std::string& symbol, Timestamp now, Timestamp window) override;

private:
  explicit StoredSentiment(Statement query) : m_query(std::move(query)) {}
  Statement m_query;
};

// A digest of the stored articles about `symbols` (for a run's manifest: the same news, the
// same results).
Expected<std::string> news_digest(Database& db, const std::vector<std::string>& symbols);

}  // namespace aiots
