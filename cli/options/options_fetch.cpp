// aiots options fetch-chain: an option chain snapshot from a provider (Alpha Vantage's
// historical options) into the chain store, through the same parser and checks as options
// import. A past date's chain never changes: cached, and a second fetch writes the same rows.
#include <iostream>

#include "adapters/alphavantage/alphavantage.hpp"
#include "commands/commands.hpp"
#include "engine/options/expiry.hpp"
#include "marketdata/chain_csv.hpp"
#include "options/options_common.hpp"
#include "store/chain_store.hpp"
#include "store/database.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

struct FetchChainOptions {
  std::vector<std::string> symbols;
  std::string date;
  std::string provider = "alphavantage";
};

Expected<void> run_fetch_chain(const Context& ctx, const FetchChainOptions& o) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  AIOTS_TRY_ASSIGN(settings, alphavantage::settings_from(config));
  AIOTS_TRY_ASSIGN(zone, TimeZone::locate(k_exchange_zone));
  std::optional<Timestamp> date;
  if (!o.date.empty()) {
    auto parsed = parse_time(o.date);
    if (!parsed || !parsed->date_only) return usage_error("--date " + quote_value(o.date) + ": give a date, YYYY-MM-DD");
    date = parsed->ts;
  }
  const Timestamp now_ns = wall_clock_now();
  AIOTS_TRY_ASSIGN(fetcher, alphavantage::Fetcher::open(settings));
  // Everything is fetched and parsed before anything is written.
  std::vector<std::pair<ParsedChains, alphavantage::FetchStats>> fetched;
  for (const std::string& raw : o.symbols) {
    const std::string symbol = normalize_symbol(raw);
    const alphavantage::Request request = alphavantage::options_request(settings, symbol, date, now_ns);
    alphavantage::FetchStats stats;
    AIOTS_TRY_ASSIGN(body, fetcher.body(request, stats));
    ChainImportOptions options;
    options.zone = zone;
    options.underlying = symbol;
    if (date) options.as_of = options::close_of_date(day_number(*date), zone);
    AIOTS_TRY_ASSIGN(chains, parse_chain_csv(body, "alphavantage " + request.label, options));
    if (chains.snapshots.empty()) return data_error("alphavantage " + request.label + ": no contracts in the answer");
    for (auto& snap : chains.snapshots) snap.source = "alphavantage";
    fetched.emplace_back(std::move(chains), stats);
  }
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [chains, stats] : fetched) {
    for (const options::ChainSnapshot& snap : chains.snapshots) {
      // The provider's snapshot replaces a stored one of the same underlying and time.
      AIOTS_TRY(write_chain(store.db(), snap, true));
      out.push_back({{"underlying", snap.underlying}, {"as_of", format_time(snap.as_of)}, {"contracts", snap.quotes.size()},
                     {"requests", stats.requests}, {"cached", stats.cached}});
    }
  }
  AIOTS_TRY(tx.commit());
  if (ctx.json()) {
    std::cout << out.dump(2) << '\n';
    return {};
  }
  if (ctx.options.quiet) return {};
  AIOTS_TRY_ASSIGN(writer, ctx.writer({"underlying", "as_of", "contracts", "requests", "cached"}));
  for (const auto& r : out) {
    writer->row({r["underlying"].get<std::string>(), r["as_of"].get<std::string>(), r["contracts"].get<std::int64_t>(),
                 r["requests"].get<std::int64_t>(), r["cached"].get<std::int64_t>()});
  }
  writer->finish();
  return {};
}

}  // namespace

void setup_options_fetch(CLI::App& options, Context& ctx) {
  auto o = std::make_shared<FetchChainOptions>();
  CLI::App* cmd = options.add_subcommand("fetch-chain", "Fetch option chain snapshots from a provider (Alpha Vantage) into the store");
  cmd->add_option("symbols", o->symbols, "Underlying symbols")->required();
  cmd->add_option("--date", o->date, "Trading date (default: the last session)");
  cmd->add_option("--provider", o->provider, "Data provider: alphavantage (default)")->check(CLI::IsMember({"alphavantage"}));
  cmd->callback([&ctx, o] {
    ctx.command_name = "options fetch-chain";
    ctx.action = [&ctx, o] { return run_fetch_chain(ctx, *o); };
  });
}

}  // namespace aiots::cli
