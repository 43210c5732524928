// aiots options price|greeks|iv: one option from flags, or a batch of CSV rows from a file or
// stdin (columns named like the flags; a missing column takes the flag's value).
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "marketdata/csv_table.hpp"
#include "marketdata/input_file.hpp"
#include "options/options_common.hpp"
#include "options/pricing_request.hpp"
#include "util/format_number.hpp"

namespace aiots::cli {
namespace {

struct PricingOptions {
  PricingFields fields;
  MarketInputs market;
  bool american = false;
  std::string method = "tree";
  int steps = 0;
  std::string batch;
  bool skip_invalid = false;
};

// The most bad rows a failing batch lists before summing up the rest.
constexpr std::size_t k_listed_errors = 20;

Expected<PricingSettings> settings_of(const PricingOptions& o, PricingKind kind, const TimeZone& zone) {
  PricingSettings s;
  s.kind = kind;
  s.zone = &zone;
  if (o.method == "tree") {
    s.method = options::AmericanMethod::Tree;
  } else if (o.method == "baw") {
    s.method = options::AmericanMethod::Baw;
  } else {
    return usage_error("--method must be tree or baw, not " + o.method);
  }
  if (o.steps < 0 || o.steps > 100'000) return usage_error("--steps must be 0 (automatic) to 100000");
  s.steps = o.steps;
  AIOTS_TRY_ASSIGN(now, resolve_now(o.fields.now, zone));
  s.default_now = now;
  return s;
}

// The flag a field came from, for single-option errors.
std::string flag_of(const std::string& field) {
  if (field == "style") return "--american";
  return "--" + field;
}


std::vector<Cell> row_cells(const PricingRequest& r, const PricingResult& result) {
  std::vector<Cell> cells = {std::string(options::to_string(r.in.type)), r.in.spot, r.in.strike, r.in.years,
                             r.in.rate, r.in.dividend, std::string(r.american ? "american" : "european")};
  for (const auto& [name, value] : result.numbers) {
    cells.push_back(value);
    if (name == "iv") cells.push_back(result.status);
  }
  return cells;
}

Expected<void> run_single(const Context& ctx, const PricingOptions& o, PricingKind kind) {
  AIOTS_TRY_ASSIGN(zone, exchange_zone(o.market));
  AIOTS_TRY_ASSIGN(settings, settings_of(o, kind, zone));
  PricingFields fields = o.fields;
  fields.rate = o.market.rate;
  fields.div = o.market.div;
  fields.style = o.american ? "american" : "european";
  fields.now.clear();  // already in settings.default_now
  auto request = make_request(fields, settings);
  if (!request) return data_error(flag_of(request.error().field) + ": " + request.error().message);
  auto result = evaluate(*request, settings);
  if (!result) return data_error(flag_of(result.error().field) + ": " + result.error().message);
  const std::vector<std::string> columns = pricing_columns(kind);
  const std::vector<Cell> cells = row_cells(*request, *result);
  AIOTS_TRY_ASSIGN(format, ctx.format());
  if (format == OutputFormat::Json) {
    nlohmann::ordered_json j;
    for (std::size_t i = 0; i < columns.size(); ++i) j[columns[i]] = cell_json(cells[i]);
    std::cout << j.dump(2) << '\n';
    return {};
  }
  AIOTS_TRY_ASSIGN(writer, ctx.writer(columns));
  writer->row(cells);
  writer->finish();
  return {};
}

// Reads every row first: a failing batch writes nothing, so a pipeline never gets half a result.
Expected<void> run_batch(const Context& ctx, const PricingOptions& o, PricingKind kind) {
  AIOTS_TRY_ASSIGN(zone, exchange_zone(o.market));
  AIOTS_TRY_ASSIGN(settings, settings_of(o, kind, zone));
  AIOTS_TRY_ASSIGN(text, read_input(o.batch));
  const std::string source = o.batch == "-" ? "<stdin>" : o.batch;
  AIOTS_TRY_ASSIGN(table, CsvTable::open(text, source));
  struct Column {
    std::string field;
    int index;
  };
  const std::vector<Column> columns = {
      {"type", table.column({"type", "optiontype", "cp", "putcall", "callput"})},
      {"spot", table.column({"spot", "s", "underlyingprice", "underlying"})},
      {"strike", table.column({"strike", "k"})},
      {"expiry", table.column({"expiry", "expiration"})},
      {"years", table.column({"years", "t", "yearfraction"})},
      {"vol", kind == PricingKind::Iv ? -1 : table.column({"vol", "sigma", "volatility", "iv"})},
      {"rate", table.column({"rate", "r"})},
      {"div", table.column({"div", "q", "dividend", "dividendyield"})},
      {"price", kind == PricingKind::Iv ? table.column({"price", "premium", "mid", "optionprice"}) : -1},
      {"style", table.column({"style", "american", "exercise"})},
      {"now", table.column({"now", "asof", "date"})},
  };
  auto field_of = [](PricingFields& f, const std::string& name) -> std::string& {
    if (name == "type") return f.type;
    if (name == "spot") return f.spot;
    if (name == "strike") return f.strike;
    if (name == "expiry") return f.expiry;
    if (name == "years") return f.years;
    if (name == "vol") return f.vol;
    if (name == "rate") return f.rate;
    if (name == "div") return f.div;
    if (name == "price") return f.price;
    if (name == "style") return f.style;
    return f.now;
  };
  PricingFields defaults = o.fields;
  defaults.rate = o.market.rate;
  defaults.div = o.market.div;
  defaults.style = o.american ? "american" : "european";
  defaults.now.clear();
  std::vector<std::pair<std::size_t, std::vector<Cell>>> rows;
  std::vector<std::string> errors;
  while (table.next()) {
    PricingFields fields = defaults;
    std::map<std::string, int> from_column;
    for (const Column& c : columns) {
      if (c.index >= 0) {
        field_of(fields, c.field) = std::string(table.text(c.index));
        from_column[c.field] = c.index;
      }
    }
    // A file's T column replaces the --expiry default, and its expiry column the T one.
    if (from_column.count("years") && !from_column.count("expiry")) fields.expiry.clear();
    auto describe = [&](const FieldError& e) {
      const auto it = from_column.find(e.field);
      return it != from_column.end() ? table.where() + ": column '" + table.header(it->second) + "': " + e.message
                                     : table.where() + ": " + flag_of(e.field) + ": " + e.message;
    };
    auto request = make_request(fields, settings);
    if (!request) {
      errors.push_back(describe(request.error()));
      continue;
    }
    auto result = evaluate(*request, settings);
    if (!result) {
      errors.push_back(describe(result.error()));
      continue;
    }
    rows.emplace_back(table.line(), row_cells(*request, *result));
  }
  if (!errors.empty()) {
    for (std::size_t i = 0; i < errors.size() && i < k_listed_errors; ++i) {
      std::cerr << "aiots: " << ctx.command_name << ": " << errors[i] << '\n';
    }
    if (errors.size() > k_listed_errors) {
      std::cerr << "aiots: " << ctx.command_name << ": ... and " << errors.size() - k_listed_errors << " more bad rows\n";
    }
    if (!o.skip_invalid) {
      return data_error(source + ": " + std::to_string(errors.size()) + " bad row" + (errors.size() == 1 ? "" : "s") +
                        ", nothing written (--skip-invalid writes the good rows)");
    }
  }
  std::vector<std::string> names = pricing_columns(kind);
  names.insert(names.begin(), "line");
  AIOTS_TRY_ASSIGN(writer, ctx.writer(names));
  for (auto& [line, cells] : rows) {
    cells.insert(cells.begin(), static_cast<std::int64_t>(line));
    writer->row(cells);
  }
  writer->finish();
  if (!errors.empty() && !ctx.options.quiet) {
    std::cerr << "aiots: " << ctx.command_name << ": skipped " << errors.size() << " bad row" << (errors.size() == 1 ? "" : "s") << " of "
              << errors.size() + rows.size() << '\n';
  }
  return {};
}

void setup_pricing(CLI::App& parent, Context& ctx, PricingKind kind, const std::string& name, const std::string& help) {
  auto o = std::make_shared<PricingOptions>();
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->add_option("--type", o->fields.type, "call or put");
  cmd->add_option("--spot", o->fields.spot, "Price of the underlying");
  cmd->add_option("--strike", o->fields.strike, "Strike price");
  cmd->add_option("--expiry", o->fields.expiry,
                  "30d, 0.25y (exact year fraction), YYYY-MM-DD (16:00 close in --tz) or a timestamp");
  if (kind == PricingKind::Iv) {
    cmd->add_option("--price", o->fields.price, "Option price to invert");
  } else {
    cmd->add_option("--vol", o->fields.vol, "Volatility as a fraction (0.2 = 20%)");
  }
  add_market_options(cmd, o->market);
  cmd->add_option("--now", o->fields.now, "Time the expiry counts down from (default: now; naive times in --tz)");
  cmd->add_flag("--american", o->american, "American exercise (US equity options); default European");
  cmd->add_option("--method", o->method, "American pricer: tree (Leisen-Reimer, default) or baw (Barone-Adesi-Whaley)");
  cmd->add_option("--steps", o->steps, "Tree steps (default: 801 up to 3 months, else 2401)");
  cmd->add_option("--batch", o->batch, "Price every row of a CSV file (- for stdin); columns as the flags");
  cmd->add_flag("--skip-invalid", o->skip_invalid, "In batch mode, report bad rows and write the good ones");
  cmd->callback([&ctx, o, kind, name] {
    ctx.command_name = "options " + name;
    ctx.action = [&ctx, o, kind] { return o->batch.empty() ? run_single(ctx, *o, kind) : run_batch(ctx, *o, kind); };
  });
}

}  // namespace

void setup_options_pricing(CLI::App& options, Context& ctx) {
  setup_pricing(options, ctx, PricingKind::Price, "price", "Price an option (Black-Scholes-Merton, or American)");
  setup_pricing(options, ctx, PricingKind::Greeks, "greeks", "Price and Greeks of an option");
  setup_pricing(options, ctx, PricingKind::Iv, "iv", "Implied volatility of an option price");
}

}  // namespace aiots::cli
