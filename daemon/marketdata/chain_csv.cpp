#include "marketdata/chain_csv.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/options/expiry.hpp"
#include "engine/options/occ_symbol.hpp"
#include "marketdata/csv_table.hpp"
#include "util/format_number.hpp"
#include "util/quote_value.hpp"

namespace aiots {
namespace {

using options::ChainSnapshot;
using options::OptionQuote;
using options::OptionType;

// The columns of a chain file; -1 when absent.
struct ChainColumns {
  int date, underlying, expiry, strike, type, bid, ask, last, volume, open_interest, iv, delta, spot, contract;

  explicit ChainColumns(const CsvTable& t)
      : date(t.column({"date", "quotedate", "asof", "snapshot", "snapshotdate", "timestamp", "datetime", "tradedate", "quotetime"})),
        underlying(t.column({"underlying", "underlyingsymbol", "symbol", "ticker", "underlyingticker"})),
        expiry(t.column({"expiry", "expiration", "expirationdate", "expiry_date", "expdate", "exdate", "maturity"})),
        strike(t.column({"strike", "strikeprice"})),
        type(t.column({"type", "optiontype", "putcall", "callput", "cpflag", "right", "cp"})),
        bid(t.column({"bid", "bid1545", "bideod", "bestbid", "bidprice"})),
        ask(t.column({"ask", "ask1545", "askeod", "bestoffer", "bestask", "askprice", "offer"})),
        last(t.column({"last", "lastprice", "lasttradeprice", "close", "price"})),
        volume(t.column({"volume", "tradevolume", "vol"})),
        open_interest(t.column({"openinterest", "oi", "openint"})),
        iv(t.column({"impliedvolatility", "iv", "impliedvol", "impliedvolatility1545", "implvolatility"})),
        delta(t.column({"delta", "delta1545"})),
        spot(t.column({"underlyingprice", "underlyinglast", "spot", "activeunderlyingprice1545", "underlyingclose"})),
        contract(t.column({"contractsymbol", "contractid", "optionsymbol", "occsymbol", "contract"})) {}

  std::vector<int> all() const {
    return {date, underlying, expiry, strike, type, bid, ask, last, volume, open_interest, iv, delta, spot, contract};
  }
};

// A time column: a date alone is the 16:00 close of that date in the zone.
Expected<Timestamp> read_instant(const CsvTable& t, int column, const TimeZone& zone) {
  const std::string_view text = t.text(column);
  if (text.empty()) return t.error(column, "value is missing");
  auto parsed = parse_time(text);
  if (!parsed) return t.error(column, parsed.error().message);
  if (parsed->date_only) return options::close_of_date(day_number(parsed->ts), zone);
  return parsed->naive ? zone.local_to_utc(parsed->ts) : parsed->ts;
}

// A non-negative optional number.
Expected<double> read_amount(const CsvTable& t, int column, bool whole = false) {
  AIOTS_TRY_ASSIGN(value, t.number(column));
  if (!value) return options::k_missing;
  if (*value < 0) return t.error(column, quote_value(t.text(column)) + " is negative");
  if (whole && *value != std::floor(*value)) return t.error(column, quote_value(t.text(column)) + " is not a whole number");
  return *value;
}

struct Row {
  std::string underlying;
  Timestamp as_of = 0;
  double spot = options::k_missing;
  OptionQuote quote;
};

Expected<Row> read_row(const CsvTable& t, const ChainColumns& c, const ChainImportOptions& opt) {
  Row row;
  std::optional<options::OccSymbol> occ;
  if (c.contract >= 0 && !t.missing(c.contract)) {
    occ = options::parse_occ_symbol(t.text(c.contract));
    if (!occ && (c.expiry < 0 || c.type < 0 || c.strike < 0)) {
      return t.error(c.contract, quote_value(t.text(c.contract)) + " is not an OCC option symbol (ROOT YYMMDD C|P strike*1000)");
    }
  }
  // Underlying: the column, else --underlying, else the OCC root.
  if (c.underlying >= 0 && !t.missing(c.underlying)) {
    row.underlying = std::string(t.text(c.underlying));
  } else if (opt.underlying) {
    row.underlying = *opt.underlying;
  } else if (occ) {
    row.underlying = occ->root;
  } else {
    return data_error(t.where() + ": no underlying (add an underlying column or pass --underlying)");
  }
  std::transform(row.underlying.begin(), row.underlying.end(), row.underlying.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  if (c.date >= 0 && !t.missing(c.date)) {
    AIOTS_TRY_ASSIGN(as_of, read_instant(t, c.date, opt.zone));
    row.as_of = as_of;
  } else if (opt.as_of) {
    row.as_of = *opt.as_of;
  } else {
    return data_error(t.where() + ": no quote date (add a date column or pass --date)");
  }
  OptionQuote& q = row.quote;
  if (c.expiry >= 0) {
    AIOTS_TRY_ASSIGN(expiry, read_instant(t, c.expiry, opt.zone));
    q.expiry = expiry;
  } else if (occ) {
    q.expiry = options::close_of_date(occ->expiry_day, opt.zone);
  } else {
    return data_error(t.where() + ": no expiry column and no contract symbol to read it from");
  }
  if (q.expiry < row.as_of) {
    return t.error(c.expiry >= 0 ? c.expiry : c.contract, "expiry " + format_time(q.expiry) + " is before the quote time " + format_time(row.as_of));
  }
  if (c.strike >= 0) {
    AIOTS_TRY_ASSIGN(strike, t.number(c.strike));
    if (!strike) return t.error(c.strike, "value is missing");
    if (*strike <= 0) return t.error(c.strike, quote_value(t.text(c.strike)) + " is not a positive strike");
    q.strike = *strike;
  } else if (occ) {
    q.strike = occ->strike;
  } else {
    return data_error(t.where() + ": no strike column and no contract symbol to read it from");
  }
  if (c.type >= 0) {
    const auto type = options::parse_option_type(t.text(c.type));
    if (!type) return t.error(c.type, quote_value(t.text(c.type)) + " is not call or put (call, put, c, p)");
    q.type = *type;
  } else if (occ) {
    q.type = occ->type;
  } else {
    return data_error(t.where() + ": no type column and no contract symbol to read it from");
  }
  AIOTS_TRY_ASSIGN(bid, read_amount(t, c.bid));
  AIOTS_TRY_ASSIGN(ask, read_amount(t, c.ask));
  if (std::isfinite(bid) && std::isfinite(ask) && ask > 0 && ask < bid) {
    return t.error(c.ask, quote_value(t.text(c.ask)) + " is below the bid " + std::string(t.text(c.bid)));
  }
  AIOTS_TRY_ASSIGN(last, read_amount(t, c.last));
  AIOTS_TRY_ASSIGN(volume, read_amount(t, c.volume, true));
  AIOTS_TRY_ASSIGN(open_interest, read_amount(t, c.open_interest, true));
  AIOTS_TRY_ASSIGN(iv, read_amount(t, c.iv));
  if (std::isfinite(iv) && iv > 10) {
    return t.error(c.iv, quote_value(t.text(c.iv)) + " is above 10 (1000%): give volatility as a fraction, 0.25 for 25%");
  }
  AIOTS_TRY_ASSIGN(delta, t.number(c.delta));
  if (delta && std::abs(*delta) > 1) return t.error(c.delta, quote_value(t.text(c.delta)) + " is outside -1..1");
  AIOTS_TRY_ASSIGN(spot, t.number(c.spot));
  if (spot && *spot <= 0) return t.error(c.spot, quote_value(t.text(c.spot)) + " is not a positive price");
  q.bid = bid;
  q.ask = ask;
  q.last = last;
  q.volume = volume;
  q.open_interest = open_interest;
  q.vendor_iv = iv;
  q.vendor_delta = delta.value_or(options::k_missing);
  row.spot = spot.value_or(options::k_missing);
  return row;
}

}  // namespace

Expected<ParsedChains> parse_chain_csv(std::string_view text, const std::string& source,
                                       const ChainImportOptions& opt) {
  AIOTS_TRY_ASSIGN(table, CsvTable::open(text, source));
  const ChainColumns c(table);
  if (c.strike < 0 && c.contract < 0) {
    return data_error(source + ":1: no strike column (strike) and no contract symbol column (contractSymbol)");
  }
  ParsedChains out;
  out.ignored_columns = table.unused(c.all());
  std::map<std::pair<std::string, Timestamp>, ChainSnapshot> snapshots;
  std::map<std::pair<std::string, Timestamp>, std::map<std::tuple<Timestamp, double, int>, std::size_t>> seen;
  while (table.next()) {
    ++out.rows_read;
    auto row = read_row(table, c, opt);
    if (!row) {
      if (!opt.skip_invalid) return tl::unexpected(row.error());
      out.skipped.push_back(row.error().message);
      continue;
    }
    const auto key = std::pair{row->underlying, row->as_of};
    const auto contract = std::tuple{row->quote.expiry, row->quote.strike, static_cast<int>(row->quote.type)};
    auto [it, fresh] = seen[key].emplace(contract, table.line());
    if (!fresh) {
      return data_error(table.where() + ": " + row->underlying + " " + format_time(row->quote.expiry) + " " +
                        std::string(options::to_string(row->quote.type)) + " strike " + format_number(row->quote.strike) +
                        " is listed twice in one snapshot (first on line " + std::to_string(it->second) + ")");
    }
    ChainSnapshot& snap = snapshots[key];
    snap.underlying = row->underlying;
    snap.as_of = row->as_of;
    snap.source = source;
    if (!std::isfinite(snap.spot) && std::isfinite(row->spot)) snap.spot = row->spot;
    snap.quotes.push_back(row->quote);
  }
  if (snapshots.empty()) {
    return data_error(source + ": no valid option rows" + (out.skipped.empty() ? std::string() : " (all " + std::to_string(out.skipped.size()) + " skipped)"));
  }
  for (auto& [key, snap] : snapshots) {
    std::sort(snap.quotes.begin(), snap.quotes.end(), options::quote_order);
    out.snapshots.push_back(std::move(snap));
  }
  return out;
}

}  // namespace aiots
