// aiots options exposure: dealer gamma and delta exposure per strike and in total, the
// zero-gamma level, put/call ratios, max pain, unusual activity, the 25-delta skew per expiry and
// the term structure, from a stored chain.
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "options/options_common.hpp"
#include "output/bar_chart.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

using Json = nlohmann::ordered_json;

struct ExposureCliOptions {
  std::string symbol;
  std::string date;
  std::string expiry;
  std::string spot;
  std::string dealer = "long-calls-short-puts";
  double unusual_ratio = 1.5;
  double min_volume = 100;
  std::string view;
  std::size_t top = 10;
  bool chart = false;
  MarketInputs market;
};

// One table of the report: its columns and rows, printed as a table or CSV, or put in JSON.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
  Json json() const {
    Json out = Json::array();
    for (const auto& row : rows) {
      Json j;
      for (std::size_t i = 0; i < columns.size(); ++i) j[columns[i]] = cell_json(row[i]);
      out.push_back(std::move(j));
    }
    return out;
  }
};

struct Report {
  Table summary, strikes, expiries, unusual;
};

// Exposures in whole dollars: cents of a billion-dollar figure are noise.
double dollars(double v) { return std::round(v); }

Report tabulate(const LoadedChain& loaded, const options::ExposureReport& r, const TimeZone& zone, std::size_t top) {
  const options::ChainSnapshot& chain = loaded.chain;
  const std::string synthetic = chain.synthetic ? "yes" : "no";
  Report out;
  out.summary.columns = {"underlying", "as_of", "spot", "gex", "dex", "zero_gamma", "call_oi", "put_oi", "call_volume",
                         "put_volume", "pc_volume", "pc_oi", "contracts", "priced", "convention", "synthetic"};
  out.summary.rows.push_back({chain.underlying, format_time(chain.as_of), loaded.params.spot, dollars(r.gex), dollars(r.dex),
                              r.zero_gamma ? Cell{*r.zero_gamma} : Cell{}, r.call_oi, r.put_oi, r.call_volume,
                              r.put_volume, r.pc_volume, r.pc_oi,
                              static_cast<std::int64_t>(r.contracts), static_cast<std::int64_t>(r.priced),
                              std::string(options::to_string(loaded.params.convention)), synthetic});
  out.strikes.columns = {"strike", "call_gex", "put_gex", "gex", "call_dex", "put_dex", "dex", "call_oi", "put_oi",
                         "call_volume", "put_volume", "synthetic"};
  for (const options::StrikeExposure& s : r.strikes) {
    out.strikes.rows.push_back({s.strike, dollars(s.call_gex), dollars(s.put_gex), dollars(s.gex), dollars(s.call_dex),
                                dollars(s.put_dex), dollars(s.dex), s.call_oi,
                                s.put_oi, s.call_volume, s.put_volume, synthetic});
  }
  out.expiries.columns = {"expiry", "days", "forward", "atm_iv", "put_25d_iv", "call_25d_iv", "skew_25d", "max_pain",
                          "gex", "dex", "pc_volume", "pc_oi", "call_oi", "put_oi", "synthetic"};
  for (const options::ExpiryStats& e : r.expiries) {
    out.expiries.rows.push_back({local_date_text(e.expiry, zone), std::round(e.years * 365.0 * 1e4) / 1e4, e.forward, e.atm_iv,
                                 e.put_25d_iv, e.call_25d_iv, e.skew_25d,
                                 e.max_pain, dollars(e.gex), dollars(e.dex), e.pc_volume, e.pc_oi,
                                 e.call_oi, e.put_oi, synthetic});
  }
  out.unusual.columns = {"expiry", "strike", "type", "volume", "open_interest", "ratio", "synthetic"};
  for (std::size_t i = 0; i < r.unusual.size() && i < top; ++i) {
    const options::OptionQuote& q = chain.quotes[r.unusual[i].index];
    out.unusual.rows.push_back({local_date_text(q.expiry, zone), q.strike, std::string(options::to_string(q.type)),
                                q.volume, q.open_interest, r.unusual[i].ratio, synthetic});
  }
  return out;
}

void print_table(const Context& ctx, OutputFormat format, const Table& t) {
  std::unique_ptr<RowWriter> writer = make_row_writer(format, std::cout, t.columns, ctx.color());
  for (const auto& row : t.rows) writer->row(row);
  writer->finish();
}

std::string chart_of(const Context& ctx, const LoadedChain& loaded, const options::ExposureReport& r) {
  std::vector<ChartRow> rows;
  std::size_t nearest = 0;
  for (std::size_t i = 0; i < r.strikes.size(); ++i) {
    rows.push_back({format_number(r.strikes[i].strike), r.strikes[i].gex, false});
    if (std::abs(r.strikes[i].strike - loaded.params.spot) < std::abs(r.strikes[nearest].strike - loaded.params.spot)) {
      nearest = i;
    }
  }
  if (!rows.empty()) rows[nearest].marked = true;
  return bar_chart(rows, 24, ctx.color(), "<- spot " + format_number(loaded.params.spot));
}

Expected<void> run_exposure(const Context& ctx, const ExposureCliOptions& o) {
  AIOTS_TRY_ASSIGN(zone, exchange_zone(o.market));
  const auto convention = options::parse_dealer_convention(o.dealer);
  if (!convention) return usage_error("--dealer must be long-calls-short-puts or short-all, not " + quote_value(o.dealer));
  if (!(o.unusual_ratio > 0) || !(o.min_volume >= 0)) {
    return usage_error("--unusual-ratio must be positive and --min-volume not negative");
  }
  AIOTS_TRY_ASSIGN(loaded, load_for_analysis(ctx, o.symbol, o.date, o.spot, o.market, zone));
  AIOTS_TRY(keep_expiry(loaded.chain, o.expiry, zone));
  loaded.params.convention = *convention;
  const auto metrics = options::analyse_contracts(loaded.chain, loaded.params);
  options::ExposureOptions exposure_options;
  exposure_options.unusual_ratio = o.unusual_ratio;
  exposure_options.unusual_min_volume = o.min_volume;
  const options::ExposureReport report = options::analyse_exposure(loaded.chain, metrics, loaded.params, exposure_options);
  const Report tables = tabulate(loaded, report, zone, o.top);
  AIOTS_TRY_ASSIGN(format, ctx.format());
  const options::ChainSnapshot& chain = loaded.chain;
  if (format == OutputFormat::Json) {
    Json j = {{"underlying", chain.underlying}, {"as_of", format_time(chain.as_of)}, {"spot", loaded.params.spot},
              {"rate", loaded.params.rate}, {"div", loaded.params.dividend}, {"synthetic", chain.synthetic},
              {"source", chain.source}, {"convention", std::string(options::to_string(*convention))},
              {"units", {{"gex", "USD of delta per 1% move of the underlying"}, {"dex", "USD of delta"}}},
              {"totals", tables.summary.json()[0]}, {"strikes", tables.strikes.json()},
              {"expiries", tables.expiries.json()}, {"unusual", tables.unusual.json()}};
    std::cout << j.dump(2) << '\n';
    return {};
  }
  if (format == OutputFormat::Csv || !o.view.empty()) {
    const std::string view = o.view.empty() ? "strikes" : o.view;
    const Table* t = view == "summary" ? &tables.summary : view == "strikes" ? &tables.strikes
                   : view == "expiries" ? &tables.expiries : view == "unusual" ? &tables.unusual : nullptr;
    if (t == nullptr) return usage_error("--view must be summary, strikes, expiries or unusual, not " + quote_value(view));
    print_table(ctx, format, *t);
    if (o.chart && view == "strikes") std::cout << '\n' << chart_of(ctx, loaded, report);
    return {};
  }
  // The whole report for people.
  std::cout << chain.underlying << " options exposure at " << local_time_text(chain.as_of, zone) << ", spot "
            << format_number(loaded.params.spot) << '\n';
  if (chain.synthetic) std::cout << synthetic_banner(chain) << '\n';
  std::cout << "Dealers assumed " << (*convention == options::DealerConvention::LongCallsShortPuts
                                          ? "long the calls and short the puts"
                                          : "short every option")
            << "; GEX in $ of delta per 1% move, DEX in $ of delta.\n\n";
  std::cout << "GEX " << format_compact(report.gex) << "   DEX " << format_compact(report.dex) << "   zero gamma "
            << (report.zero_gamma ? format_number(std::round(*report.zero_gamma * 100) / 100) : std::string("none within 25%"))
            << "   P/C volume " << (std::isfinite(report.pc_volume) ? format_number(std::round(report.pc_volume * 1000) / 1000) : "-")
            << "   P/C OI " << (std::isfinite(report.pc_oi) ? format_number(std::round(report.pc_oi * 1000) / 1000) : "-")
            << "   contracts " << report.contracts << " (" << report.priced << " with an IV)\n\n";
  std::cout << "By strike:\n";
  print_table(ctx, format, tables.strikes);
  if (ctx.stdout_is_tty() || o.chart) std::cout << "\nGEX by strike:\n" << chart_of(ctx, loaded, report);
  std::cout << "\nBy expiry (term structure, 25-delta skew, max pain):\n";
  print_table(ctx, format, tables.expiries);
  std::cout << "\nUnusual activity (volume / open interest >= " << format_number(o.unusual_ratio) << ", volume >= "
            << format_number(o.min_volume) << "): " << report.unusual.size() << " contract"
            << (report.unusual.size() == 1 ? "" : "s") << (report.unusual.size() > o.top ? ", top " + std::to_string(o.top) : "")
            << '\n';
  if (!tables.unusual.rows.empty()) print_table(ctx, format, tables.unusual);
  return {};
}

}  // namespace

void setup_options_exposure(CLI::App& options, Context& ctx) {
  auto o = std::make_shared<ExposureCliOptions>();
  CLI::App* cmd = options.add_subcommand("exposure", "Gamma/delta exposure, zero gamma, put/call, max pain, skew of a chain");
  cmd->add_option("symbol", o->symbol, "Underlying symbol")->required();
  cmd->add_option("--date", o->date, "Snapshot at or before this date or time (default: the latest)");
  cmd->add_option("--expiry", o->expiry, "Only contracts expiring on this date (YYYY-MM-DD)");
  cmd->add_option("--spot", o->spot, "Underlying price (default: the chain's, else the stored bars')");
  cmd->add_option("--dealer", o->dealer, "Dealer positioning: long-calls-short-puts (default) or short-all");
  cmd->add_option("--unusual-ratio", o->unusual_ratio, "Volume / open interest that counts as unusual (default 1.5)");
  cmd->add_option("--min-volume", o->min_volume, "Least volume that counts as unusual (default 100)");
  cmd->add_option("--top", o->top, "Unusual contracts to list (default 10)");
  cmd->add_option("--view", o->view, "One table only: summary, strikes (CSV default), expiries or unusual");
  cmd->add_flag("--chart", o->chart, "Draw the GEX bar chart even when stdout is not a terminal");
  add_market_options(cmd, o->market);
  cmd->callback([&ctx, o] {
    ctx.command_name = "options exposure";
    ctx.action = [&ctx, o] { return run_exposure(ctx, *o); };
  });
}

}  // namespace aiots::cli
