#include "store/news_store.hpp"

#include "util/format_number.hpp"
#include "util/sha256.hpp"

namespace aiots {

Expected<NewsWriteStats> write_news(Database& db, const std::vector<NewsArticle>& articles, const std::string& provider) {
  NewsWriteStats stats;
  AIOTS_TRY_ASSIGN(find, db.prepare("SELECT id FROM news WHERE url = ?"));
  AIOTS_TRY_ASSIGN(insert, db.prepare("INSERT INTO news (url, time, source, title, overall_score, overall_label, provider) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  AIOTS_TRY_ASSIGN(update, db.prepare("UPDATE news SET time = ?, source = ?, title = ?, overall_score = ?, overall_label = ?, "
                                      "provider = ? WHERE id = ?"));
  AIOTS_TRY_ASSIGN(clear, db.prepare("DELETE FROM news_tickers WHERE news_id = ?"));
  AIOTS_TRY_ASSIGN(ticker, db.prepare("INSERT OR REPLACE INTO news_tickers (news_id, symbol, relevance, score, label) "
                                      "VALUES (?, ?, ?, ?, ?)"));
  for (const NewsArticle& a : articles) {
    find.bind(1, a.url);
    AIOTS_TRY_ASSIGN(found, find.step());
    const std::int64_t existing = found ? find.column_int(0) : 0;
    find.reset();
    std::int64_t id = existing;
    if (existing != 0) {
      update.bind(1, a.time).bind(2, a.source).bind(3, a.title).bind(4, a.overall_score).bind(5, a.overall_label);
      update.bind(6, provider).bind(7, existing);
      AIOTS_TRY(update.run());
      clear.bind(1, existing);
      AIOTS_TRY(clear.run());
      ++stats.updated;
    } else {
      insert.bind(1, a.url).bind(2, a.time).bind(3, a.source).bind(4, a.title).bind(5, a.overall_score);
      insert.bind(6, a.overall_label).bind(7, provider);
      AIOTS_TRY(insert.run());
      id = db.last_insert_id();
      ++stats.inserted;
    }
    for (const TickerSentiment& t : a.tickers) {
      ticker.bind(1, id).bind(2, t.symbol).bind(3, t.relevance).bind(4, t.score).bind(5, t.label);
      AIOTS_TRY(ticker.run());
    }
  }
  return stats;
}

Expected<std::unique_ptr<StoredSentiment>> StoredSentiment::open(Database& db) {
  AIOTS_TRY_ASSIGN(query, db.prepare("SELECT sum(t.relevance * t.score), sum(t.relevance), count(*), max(n.time) "
                                     "FROM news_tickers t JOIN news n ON n.id = t.news_id "
                                     "WHERE t.symbol = ? AND n.time > ? AND n.time <= ?"));
  return std::unique_ptr<StoredSentiment>(new StoredSentiment(std::move(query)));
}

std::optional<Sentiment> StoredSentiment::at(const std::string& symbol, Timestamp now, Timestamp window) {
  m_query.bind(1, symbol).bind(2, now - window).bind(3, now);
  auto row = m_query.step();
  std::optional<Sentiment> out;
  if (row && *row && m_query.column_int(2) > 0) {
    Sentiment s;
    const double weight = m_query.column_double(1);
    s.articles = m_query.column_int(2);
    s.score = weight > 0 ? m_query.column_double(0) / weight : 0.0;
    s.relevance = weight / static_cast<double>(s.articles);
    s.latest = m_query.column_int(3);
    out = s;
  }
  m_query.reset();
  return out;
}

Expected<std::string> news_digest(Database& db, const std::vector<std::string>& symbols) {
  AIOTS_TRY_ASSIGN(q, db.prepare("SELECT n.time, n.url, t.relevance, t.score FROM news_tickers t JOIN news n ON n.id = t.news_id "
                                 "WHERE t.symbol = ? ORDER BY n.time, n.url"));
  std::string text;
  for (const std::string& symbol : symbols) {
    text += symbol + "\n";
    q.bind(1, symbol);
    while (true) {
      AIOTS_TRY_ASSIGN(row, q.step());
      if (!row) break;
      text += std::to_string(q.column_int(0)) + " " + q.column_text(1) + " " + format_number(q.column_double(2)) + " " +
              format_number(q.column_double(3)) + "\n";
    }
    q.reset();
  }
  return sha256_hex(text);
}

}  // namespace aiots
