// aiots options import | list | chain: option chain snapshots into the store, what is stored,
// and one chain with mid, implied volatility and Greeks per contract.
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "engine/options/expiry.hpp"
#include "marketdata/chain_csv.hpp"
#include "marketdata/input_file.hpp"
#include "options/options_common.hpp"
#include "store/chain_store.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

using options::ChainSnapshot;


// ---- import ----

struct ImportChainOptions {
  std::vector<std::string> files;
  std::string underlying;
  std::string date;
  std::string tz = std::string(k_exchange_zone);
  bool replace = false;
  bool skip_invalid = false;
};

Expected<void> run_import(const Context& ctx, const ImportChainOptions& o) {
  AIOTS_TRY_ASSIGN(zone, TimeZone::locate(o.tz));
  ChainImportOptions import_options;
  import_options.zone = zone;
  import_options.skip_invalid = o.skip_invalid;
  if (!o.underlying.empty()) import_options.underlying = normalize_symbol(o.underlying);
  if (!o.date.empty()) {
    auto parsed = parse_time(o.date);
    if (!parsed) return usage_error("--date " + quote_value(o.date) + ": " + parsed.error().message);
    import_options.as_of = parsed->date_only ? options::close_of_date(day_number(parsed->ts), zone)
                                      : (parsed->naive ? zone.local_to_utc(parsed->ts) : parsed->ts);
  }
  // Every file is parsed before anything is written: one bad file leaves the store untouched.
  std::vector<ParsedChains> parsed;
  for (const std::string& file : o.files) {
    AIOTS_TRY_ASSIGN(text, read_input(file));
    AIOTS_TRY_ASSIGN(chains, parse_chain_csv(text, file == "-" ? "<stdin>" : file, import_options));
    for (const std::string& message : chains.skipped) std::cerr << "aiots: options import: skipped " << message << '\n';
    parsed.push_back(std::move(chains));
  }
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  Transaction tx(store.db());
  AIOTS_TRY(tx.begin());
  std::vector<std::vector<Cell>> rows;
  for (const ParsedChains& file : parsed) {
    for (const ChainSnapshot& snap : file.snapshots) {
      AIOTS_TRY(write_chain(store.db(), snap, o.replace));
      std::size_t expiries = 0;
      for (std::size_t i = 0; i < snap.quotes.size(); ++i) {
        if (i == 0 || snap.quotes[i].expiry != snap.quotes[i - 1].expiry) ++expiries;
      }
      rows.push_back({snap.underlying, format_time(snap.as_of), static_cast<std::int64_t>(snap.quotes.size()),
                      static_cast<std::int64_t>(expiries), snap.source});
    }
  }
  AIOTS_TRY(tx.commit());
  if (ctx.options.quiet && !ctx.json()) return {};
  AIOTS_TRY_ASSIGN(writer, ctx.writer({"underlying", "as_of", "contracts", "expiries", "source"}));
  for (const auto& row : rows) writer->row(row);
  writer->finish();
  return {};
}

// ---- list ----

Expected<void> run_list(const Context& ctx, const std::string& symbol) {
  AIOTS_TRY_ASSIGN(store, ctx.open_store());
  std::optional<std::string> filter;
  if (!symbol.empty()) filter = normalize_symbol(symbol);
  AIOTS_TRY_ASSIGN(chains, list_chains(store.db(), filter));
  AIOTS_TRY_ASSIGN(writer, ctx.writer({"underlying", "as_of", "spot", "contracts", "expiries", "first_expiry",
                                       "last_expiry", "synthetic", "source"}));
  for (const ChainSummary& c : chains) {
    writer->row({c.underlying, format_time(c.as_of), c.spot, c.contracts, c.expiries,
                 format_time(c.first_expiry), format_time(c.last_expiry), std::string(c.synthetic ? "yes" : "no"),
                 c.source});
  }
  writer->finish();
  return {};
}

// ---- chain ----

struct ChainViewOptions {
  std::string symbol;
  std::string date;
  std::string expiry;
  std::string type;
  std::string spot;
  std::string strikes;  // keep strikes within spot * (1 +- this percentage); empty = all
  MarketInputs market;
};

std::vector<std::string> chain_columns() {
  return {"expiry", "days", "strike", "type", "bid", "ask", "mid", "last", "volume", "open_interest", "iv",
          "iv_source", "iv_status", "delta", "gamma", "vega", "theta", "synthetic"};
}

Expected<void> run_chain(const Context& ctx, const ChainViewOptions& o) {
  AIOTS_TRY_ASSIGN(zone, exchange_zone(o.market));
  AIOTS_TRY_ASSIGN(loaded, load_for_analysis(ctx, o.symbol, o.date, o.spot, o.market, zone));
  ChainSnapshot& chain = loaded.chain;
  AIOTS_TRY(keep_expiry(chain, o.expiry, zone));
  if (!o.type.empty()) {
    const auto type = options::parse_option_type(o.type);
    if (!type) return usage_error("--type must be call or put, not " + quote_value(o.type));
    std::erase_if(chain.quotes, [&](const options::OptionQuote& q) { return q.type != *type; });
  }
  if (!o.strikes.empty()) {
    AIOTS_TRY_ASSIGN(range, parse_percent("--strikes", o.strikes));
    const double lo = loaded.params.spot * (1 - range), hi = loaded.params.spot * (1 + range);
    std::erase_if(chain.quotes, [&](const options::OptionQuote& q) { return q.strike < lo || q.strike > hi; });
  }
  const auto metrics = options::analyse_contracts(chain, loaded.params);
  AIOTS_TRY_ASSIGN(format, ctx.format());
  const std::vector<std::string> columns = chain_columns();
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i = 0; i < chain.quotes.size(); ++i) {
    const options::OptionQuote& q = chain.quotes[i];
    const options::ContractMetrics& m = metrics[i];
    const double mid = m.source == options::PriceSource::Mid ? m.price : options::k_missing;
    rows.push_back({local_date_text(q.expiry, zone), std::round(m.years * 365.0 * 1e4) / 1e4, q.strike, std::string(options::to_string(q.type)),
                    q.bid, q.ask, mid, q.last, q.volume,
                    q.open_interest, m.iv, std::string(options::to_string(m.source)),
                    std::string(options::to_string(m.iv_status)), m.delta, m.gamma,
                    m.vega, m.theta, std::string(chain.synthetic ? "yes" : "no")});
  }
  if (format == OutputFormat::Json) {
    nlohmann::ordered_json j = {{"underlying", chain.underlying}, {"as_of", format_time(chain.as_of)},
                                {"spot", loaded.params.spot}, {"rate", loaded.params.rate},
                                {"div", loaded.params.dividend}, {"synthetic", chain.synthetic},
                                {"source", chain.source}, {"contracts", nlohmann::ordered_json::array()}};
    for (const auto& row : rows) {
      nlohmann::ordered_json c;
      for (std::size_t k = 0; k + 1 < columns.size(); ++k) {  // synthetic is on the chain
        c[columns[k]] = cell_json(row[k]);
      }
      j["contracts"].push_back(std::move(c));
    }
    std::cout << j.dump(2) << '\n';
    return {};
  }
  if (format == OutputFormat::Table) {
    std::cout << chain.underlying << " chain at " << local_time_text(chain.as_of, zone) << ", spot "
              << format_number(loaded.params.spot) << ", " << chain.quotes.size() << " contracts\n";
    if (chain.synthetic) std::cout << synthetic_banner(chain) << '\n';
  }
  AIOTS_TRY_ASSIGN(writer, ctx.writer(columns));
  for (const auto& row : rows) writer->row(row);
  writer->finish();
  return {};
}

}  // namespace

void setup_options_chain(CLI::App& options, Context& ctx) {
  {
    auto o = std::make_shared<ImportChainOptions>();
    CLI::App* cmd = options.add_subcommand("import", "Import option chain snapshots from CSV files into the store");
    cmd->add_option("files", o->files, "CSV files (- for stdin), plain or gzip")->required();
    cmd->add_option("--underlying", o->underlying, "Underlying symbol, for files without an underlying column");
    cmd->add_option("--date", o->date, "Quote date or time, for files without a date column (dates at 16:00 --tz)");
    cmd->add_option("--tz", o->tz, "Zone of dates and naive times (default America/New_York)");
    cmd->add_flag("--replace", o->replace, "Replace stored snapshots of the same underlying and time");
    cmd->add_flag("--skip-invalid", o->skip_invalid, "Report bad rows and import the rest");
    cmd->callback([&ctx, o] {
      ctx.command_name = "options import";
      ctx.action = [&ctx, o] { return run_import(ctx, *o); };
    });
  }
  {
    auto symbol = std::make_shared<std::string>();
    CLI::App* cmd = options.add_subcommand("list", "List stored option chain snapshots");
    cmd->add_option("symbol", *symbol, "Only this underlying");
    cmd->callback([&ctx, symbol] {
      ctx.command_name = "options list";
      ctx.action = [&ctx, symbol] { return run_list(ctx, *symbol); };
    });
  }
  {
    auto o = std::make_shared<ChainViewOptions>();
    CLI::App* cmd = options.add_subcommand("chain", "Show a stored chain with mid, implied volatility and Greeks");
    cmd->add_option("symbol", o->symbol, "Underlying symbol")->required();
    cmd->add_option("--date", o->date, "Snapshot at or before this date or time (default: the latest)");
    cmd->add_option("--expiry", o->expiry, "Only contracts expiring on this date (YYYY-MM-DD)");
    cmd->add_option("--type", o->type, "Only calls or only puts");
    cmd->add_option("--strikes", o->strikes, "Only strikes within this much of the spot, e.g. 10%");
    cmd->add_option("--spot", o->spot, "Underlying price (default: the chain's, else the stored bars')");
    add_market_options(cmd, o->market);
    cmd->callback([&ctx, o] {
      ctx.command_name = "options chain";
      ctx.action = [&ctx, o] { return run_chain(ctx, *o); };
    });
  }
}

}  // namespace aiots::cli
