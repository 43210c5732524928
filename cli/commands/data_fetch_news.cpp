// aiots data fetch-news: news articles with their sentiment from a provider (Alpha Vantage's
// NEWS_SENTIMENT) into the store, where backtests read them through ctx:sentiment
// (backtest --sentiment store). Pages of a thousand articles, earliest first, until a page is not
// full; every symbol in one transaction; an article already stored is updated.
#include <iostream>

#include "adapters/alphavantage/alphavantage.hpp"
#include "commands/commands.hpp"
#include "store/database.hpp"
#include "store/news_store.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

struct FetchNewsOptions {
  std::vector<std::string> symbols;
  std::string from;
  std::string to;
  std::string provider = "alphavantage";
};

constexpr int k_max_pages = 100;

Expected<void> run_fetch_news(const Context& ctx, const FetchNewsOptions& o) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  AIOTS_TRY_ASSIGN(settings, alphavantage::settings_from(config));
  AIOTS_TRY_ASSIGN(zone, TimeZone::locate("America/New_York"));
  const Timestamp now_ns = wall_clock_now();
  AIOTS_TRY_ASSIGN(range, parse_time_range(o.from, o.to));
  const Timestamp to = range.to.value_or(now_ns);
  const Timestamp from = range.from.value_or(to - 30 * k_ns_per_day);
  if (from > to) return usage_error("--from is after --to");
  AIOTS_TRY_ASSIGN(fetcher, alphavantage::Fetcher::open(settings));

  struct Fetched {
    std::string symbol;
    std::vector<NewsArticle> articles;
    alphavantage::FetchStats stats;
  };
  std::vector<Fetched> fetched;
  for (const std::string& raw : o.symbols) {
    Fetched f;
    f.symbol = raw;
    std::transform(f.symbol.begin(), f.symbol.end(), f.symbol.begin(), [](unsigned char c) { return std::toupper(c); });
    Timestamp page_from = from;
    for (int page = 0;; ++page) {
      if (page == k_max_pages) return data_error(f.symbol + " news: more than " + std::to_string(k_max_pages) + " pages; fetch a shorter span");
      const alphavantage::Request request = alphavantage::news_request(settings, f.symbol, page_from, to, now_ns);
      AIOTS_TRY_ASSIGN(body, fetcher.body(request, f.stats));
      AIOTS_TRY_ASSIGN(articles, alphavantage::parse_news(body, request.label, zone));
      const bool full = articles.size() >= alphavantage::k_news_page;
      Timestamp last = page_from;
      for (NewsArticle& a : articles) {
        last = std::max(last, a.time);
        f.articles.push_back(std::move(a));
      }
      if (!full) break;
      // The next page starts after the last minute this one reached (the API's resolution).
      page_from = last - last % 60'000'000'000 + 60'000'000'000;
      if (page_from > to) break;
    }
    fetched.push_back(std::move(f));
  }
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  nlohmann::json out = nlohmann::json::array();
  for (const Fetched& f : fetched) {
    AIOTS_TRY_ASSIGN(stats, write_news(store.db(), f.articles, "alphavantage"));
    nlohmann::json row = {{"symbol", f.symbol}, {"articles", f.articles.size()}, {"inserted", stats.inserted},
                          {"updated", stats.updated}, {"requests", f.stats.requests}, {"cached", f.stats.cached}};
    if (!f.articles.empty()) {
      Timestamp first = f.articles.front().time, last = first;
      for (const NewsArticle& a : f.articles) {
        first = std::min(first, a.time);
        last = std::max(last, a.time);
      }
      row["first"] = format_time(first);
      row["last"] = format_time(last);
    }
    out.push_back(row);
  }
  AIOTS_TRY(tx.commit());
  if (ctx.json()) {
    std::cout << out.dump(2) << '\n';
  } else if (!ctx.options.quiet) {
    for (const auto& r : out) {
      std::cout << "alphavantage: " << r["symbol"].get<std::string>() << " news, " << r["articles"] << " articles ("
                << r["inserted"] << " new, " << r["updated"] << " updated)";
      if (r.contains("first")) std::cout << " " << r["first"].get<std::string>() << " .. " << r["last"].get<std::string>();
      std::cout << "; " << r["requests"] << " requests, " << r["cached"] << " from the cache\n";
    }
  }
  return {};
}

}  // namespace

void setup_data_fetch_news(CLI::App& data, Context& ctx) {
  auto o = std::make_shared<FetchNewsOptions>();
  CLI::App* cmd = data.add_subcommand("fetch-news", "Fetch news articles with their sentiment (Alpha Vantage) into the store");
  cmd->add_option("symbols", o->symbols, "Symbols the articles are about")->required();
  cmd->add_option("--from", o->from, "Earliest publication (default: 30 days before --to)");
  cmd->add_option("--to", o->to, "Latest publication (default: now)");
  cmd->add_option("--provider", o->provider, "Data provider: alphavantage (default)")->check(CLI::IsMember({"alphavantage"}));
  cmd->callback([&ctx, o] {
    ctx.command_name = "data fetch-news";
    ctx.action = [&ctx, o] { return run_fetch_news(ctx, *o); };
  });
}

}  // namespace aiots::cli
