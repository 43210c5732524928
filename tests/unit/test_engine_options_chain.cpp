// Option chains: expiry parsing down to the minute, chain analytics checked against sums done
// by hand (GEX, DEX, max pain, put/call, unusual activity, zero gamma, skew), the synthetic
// generator's determinism, American implied volatility, and the chain CSV reader's layouts and
// errors.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/options/american.hpp"
#include "engine/options/chain_analytics.hpp"
#include "engine/options/expiry.hpp"
#include "engine/options/occ_symbol.hpp"
#include "engine/options/synth_chain.hpp"
#include "marketdata/chain_csv.hpp"
#include "store/chain_store.hpp"
#include "store/market_store.hpp"

using namespace aiots;
using namespace aiots::options;

namespace {

TimeZone new_york() { return *TimeZone::locate("America/New_York"); }

Timestamp at(const char* text) { return parse_time(text)->ts; }

// A contract quoted exactly at its Black-Scholes value (bid = ask), so IVs come back exactly.
OptionQuote priced(Timestamp now, Timestamp expiry, double spot, double strike, OptionType type, double vol, double oi,
                   double volume = 0) {
  OptionQuote q;
  q.expiry = expiry;
  q.strike = strike;
  q.type = type;
  const double years = static_cast<double>(expiry - now) / k_ns_per_year;
  const double value = bs_price(BsInputs{type, spot, strike, years, 0.01, 0, vol});
  q.bid = q.ask = value;
  q.open_interest = oi;
  q.volume = volume;
  return q;
}

}  // namespace

TEST_CASE("expiry texts give exact year fractions down to the minute", "[options][expiry]") {
  const TimeZone ny = new_york();
  const Timestamp ten_am = *parse_now("2026-11-27 10:00", ny);
  CHECK(format_time(ten_am) == "2026-11-27T15:00:00Z");
  CHECK(years_until(*parse_expiry("30d", ny), ten_am) == 30.0 / 365.0);
  CHECK(years_until(*parse_expiry("0.25y", ny), ten_am) == 0.25);
  const Expiry same_day = *parse_expiry("2026-11-27", ny);
  CHECK(format_time(same_day.instant) == "2026-11-27T21:00:00Z");  // 16:00 EST
  CHECK(years_until(same_day, ten_am) == Approx(6.0 / (365 * 24)).epsilon(1e-15));
  CHECK(years_until(same_day, *parse_now("2026-11-27 16:00", ny)) == 0.0);
  CHECK(years_until(same_day, *parse_now("2026-11-27 16:01", ny)) < 0.0);
  // Summer time: the close is 20:00 UTC.
  CHECK(format_time(parse_expiry("2026-07-17", ny)->instant) == "2026-07-17T20:00:00Z");
  CHECK(format_time(parse_expiry("2026-07-17T15:30:00Z", ny)->instant) == "2026-07-17T15:30:00Z");
  // A date alone for --now is that day's midnight in the zone.
  CHECK(format_time(*parse_now("2026-07-17", ny)) == "2026-07-17T04:00:00Z");
  for (const char* bad : {"-3d", "abc", "30x", "d", "1e400y", "nan y", "2026-13-01"}) {
    INFO(bad);
    CHECK_FALSE(parse_expiry(bad, ny));
  }
}

TEST_CASE("contract analytics recover the quoted volatility and sign exposures by convention", "[options][chain]") {
  const Timestamp now = at("2026-01-02T15:00:00Z");
  const Timestamp expiry = at("2026-01-30T21:00:00Z");
  ChainSnapshot chain;
  chain.underlying = "TEST";
  chain.as_of = now;
  chain.quotes = {priced(now, expiry, 100, 100, OptionType::Call, 0.25, 1000),
                  priced(now, expiry, 100, 100, OptionType::Put, 0.30, 2000)};
  ChainParams params{100, now, 0.01, 0, DealerConvention::LongCallsShortPuts};
  const auto m = analyse_contracts(chain, params);
  REQUIRE(m.size() == 2);
  CHECK(m[0].source == PriceSource::Mid);
  CHECK(m[0].iv == Approx(0.25).margin(1e-12));
  CHECK(m[1].iv == Approx(0.30).margin(1e-12));
  const double years = static_cast<double>(expiry - now) / k_ns_per_year;
  const Greeks call = bs_greeks(BsInputs{OptionType::Call, 100, 100, years, 0.01, 0, 0.25});
  const Greeks put = bs_greeks(BsInputs{OptionType::Put, 100, 100, years, 0.01, 0, 0.30});
  // GEX = gamma * OI * 100 * S^2 * 1%; dealers long calls (+), short puts (-).
  CHECK(m[0].gex == Approx(call.gamma * 1000 * 100 * 100 * 100 * 0.01).epsilon(1e-9));
  CHECK(m[1].gex == Approx(-put.gamma * 2000 * 100 * 100 * 100 * 0.01).epsilon(1e-9));
  CHECK(m[0].dex == Approx(call.delta * 1000 * 100 * 100).epsilon(1e-9));
  CHECK(m[1].dex == Approx(-put.delta * 2000 * 100 * 100).epsilon(1e-9));
  CHECK(m[1].dex > 0);
  params.convention = DealerConvention::ShortAll;
  const auto short_all = analyse_contracts(chain, params);
  CHECK(short_all[0].gex == Approx(-m[0].gex));
  CHECK(short_all[1].gex == Approx(m[1].gex));
}

TEST_CASE("prices: mid, else last, else the vendor's volatility, expired contracts are invalid", "[options][chain]") {
  const Timestamp now = at("2026-01-02T15:00:00Z");
  ChainSnapshot chain;
  chain.as_of = now;
  OptionQuote only_last;
  only_last.expiry = at("2026-02-20T21:00:00Z");
  only_last.strike = 100;
  only_last.last = 3.0;
  OptionQuote only_vendor = only_last;
  only_vendor.last = k_missing;
  only_vendor.strike = 105;
  only_vendor.vendor_iv = 0.4;
  OptionQuote crossed = only_last;
  crossed.strike = 110;
  crossed.bid = 2;
  crossed.ask = 1;
  crossed.last = k_missing;
  OptionQuote expired = only_last;
  expired.expiry = at("2026-01-02T14:00:00Z");
  chain.quotes = {only_last, only_vendor, crossed, expired};
  const auto m = analyse_contracts(chain, ChainParams{100, now, 0, 0});
  CHECK(m[0].source == PriceSource::Last);
  CHECK(m[0].iv > 0);
  CHECK(m[1].source == PriceSource::VendorIv);
  CHECK(m[1].iv == 0.4);
  CHECK(m[2].source == PriceSource::None);
  CHECK(std::isnan(m[2].iv));
  CHECK(m[3].iv_status == IvStatus::InvalidInput);
  CHECK(m[3].gex == 0);
}

TEST_CASE("exposure report: max pain, put/call ratios and unusual activity by hand", "[options][chain]") {
  const Timestamp now = at("2026-01-02T15:00:00Z");
  const Timestamp expiry = at("2026-01-16T21:00:00Z");
  ChainSnapshot chain;
  chain.as_of = now;
  // Calls OI 100 @90, 500 @100, 300 @110; puts 400 @90, 600 @100, 50 @110.
  chain.quotes = {priced(now, expiry, 100, 90, OptionType::Call, 0.3, 100, 10),
                  priced(now, expiry, 100, 90, OptionType::Put, 0.3, 400, 900),
                  priced(now, expiry, 100, 100, OptionType::Call, 0.3, 500, 200),
                  priced(now, expiry, 100, 100, OptionType::Put, 0.3, 600, 50),
                  priced(now, expiry, 100, 110, OptionType::Call, 0.3, 300, 40),
                  priced(now, expiry, 100, 110, OptionType::Put, 0.3, 0, 150)};
  const ChainParams params{100, now, 0.01, 0};
  const auto m = analyse_contracts(chain, params);
  const ExposureReport r = analyse_exposure(chain, m, params);
  // Holders' payout if settled at 90: puts 100*600 + 110*0 -> 600*10 = 6000;
  // at 100: calls (100-90)*100 = 1000, puts (110-100)*0 = 0 -> 1000; at 110: calls 20*100 + 10*500 = 7000.
  REQUIRE(r.expiries.size() == 1);
  CHECK(r.expiries[0].max_pain == 100);
  CHECK(r.pc_oi == Approx(1000.0 / 900.0));
  CHECK(r.pc_volume == Approx(1100.0 / 250.0));
  CHECK(r.call_oi == 900);
  CHECK(r.put_volume == 1100);
  // Unusual (ratio >= 1.5, volume >= 100): put 90 (900/400 = 2.25), put 110 (150/max(0,1) = 150).
  REQUIRE(r.unusual.size() == 2);
  CHECK(chain.quotes[r.unusual[0].index].strike == 110);
  CHECK(r.unusual[0].ratio == 150);
  CHECK(r.unusual[1].ratio == 2.25);
  REQUIRE(r.strikes.size() == 3);
  double total = 0;
  for (const auto& s : r.strikes) total += s.gex;
  CHECK(r.gex == Approx(total));
  CHECK(r.gex == Approx(total_gex_at(chain, m, params, 100)).epsilon(1e-12));
}

TEST_CASE("zero gamma lies where total GEX changes sign", "[options][chain]") {
  const Timestamp now = at("2026-01-02T15:00:00Z");
  const Timestamp expiry = at("2026-02-20T21:00:00Z");
  ChainSnapshot chain;
  chain.as_of = now;
  // Heavy puts below, heavy calls above: negative gamma under ~100, positive over.
  chain.quotes = {priced(now, expiry, 100, 90, OptionType::Put, 0.3, 5000), priced(now, expiry, 100, 95, OptionType::Put, 0.3, 3000),
                  priced(now, expiry, 100, 105, OptionType::Call, 0.3, 3000), priced(now, expiry, 100, 110, OptionType::Call, 0.3, 5000)};
  const ChainParams params{100, now, 0.01, 0};
  const auto m = analyse_contracts(chain, params);
  const ExposureReport r = analyse_exposure(chain, m, params);
  REQUIRE(r.zero_gamma);
  const double z = *r.zero_gamma;
  CHECK(z > 90);
  CHECK(z < 110);
  CHECK(total_gex_at(chain, m, params, z - 0.01) * total_gex_at(chain, m, params, z + 0.01) < 0);
  // All calls: gamma never changes sign.
  chain.quotes.erase(chain.quotes.begin(), chain.quotes.begin() + 2);
  const auto calls_only = analyse_contracts(chain, params);
  CHECK_FALSE(analyse_exposure(chain, calls_only, params).zero_gamma);
}

TEST_CASE("synthetic chains are deterministic, sane and skewed like equities", "[options][synth]") {
  const TimeZone ny = new_york();
  SynthParams p;
  p.underlying = "MSFT";
  p.as_of = at("2026-01-02T21:00:00Z");
  p.spot = 400;
  p.realized = {0.25, 0.30};
  p.average_volume = 2e7;
  for (const char* day : {"2026-01-09", "2026-01-16", "2026-03-20"}) {
    const std::int64_t d = day_number(at(day));
    p.expiry_days.push_back(d);
    p.expiries.push_back(close_of_date(d, ny));
  }
  p.seed = 7;
  const ChainSnapshot a = synthesize_chain(p);
  const ChainSnapshot b = synthesize_chain(p);
  CHECK(a.synthetic);
  REQUIRE(a.quotes.size() == b.quotes.size());
  REQUIRE(a.quotes.size() == 3 * 2 * 33);  // 320..480 step 5
  bool same = true;
  for (std::size_t i = 0; i < a.quotes.size(); ++i) {
    same = same && a.quotes[i].bid == b.quotes[i].bid && a.quotes[i].volume == b.quotes[i].volume &&
           a.quotes[i].open_interest == b.quotes[i].open_interest;
  }
  CHECK(same);
  p.seed = 8;
  const ChainSnapshot c = synthesize_chain(p);
  bool differs = false;
  for (std::size_t i = 0; i < a.quotes.size(); ++i) differs = differs || a.quotes[i].open_interest != c.quotes[i].open_interest;
  CHECK(differs);
  for (const OptionQuote& q : a.quotes) {
    INFO(q.strike << " " << to_string(q.type));
    CHECK(q.bid >= 0);
    CHECK(q.ask > q.bid);
    CHECK(q.open_interest >= 0);
    CHECK(std::abs(q.ask * 100 - std::round(q.ask * 100)) < 1e-9);
  }
  CHECK(is_monthly_expiry(day_number(at("2026-03-20"))));
  CHECK_FALSE(is_monthly_expiry(day_number(at("2026-03-27"))));
  const ChainParams params{400, p.as_of, 0, 0};
  const auto m = analyse_contracts(a, params);
  const ExposureReport r = analyse_exposure(a, m, params);
  REQUIRE(r.expiries.size() == 3);
  for (const ExpiryStats& e : r.expiries) {
    CHECK(e.skew_25d > 0);  // puts richer than calls
    CHECK(e.atm_iv > 0.25);
    CHECK(e.atm_iv < 0.4);
  }
  // The term structure runs from the short realized level towards the long one.
  CHECK(r.expiries.front().atm_iv < r.expiries.back().atm_iv);
}

TEST_CASE("American implied volatility inverts the American pricer", "[options][american]") {
  for (AmericanMethod method : {AmericanMethod::Baw, AmericanMethod::Tree}) {
    for (double vol : {0.1, 0.3, 0.8}) {
      BsInputs in{OptionType::Put, 100, 105, 0.5, 0.05, 0.01, vol};
      const double price = american_price(in, method, 201);
      const IvResult iv = american_implied_vol(in, price, method, 201);
      INFO(vol);
      CHECK(iv.status == IvStatus::Ok);
      CHECK(iv.vol == Approx(vol).margin(1e-8));
    }
  }
  BsInputs in{OptionType::Put, 100, 110, 0.5, 0.05, 0, 0};
  CHECK(american_implied_vol(in, 9.0, AmericanMethod::Baw).status == IvStatus::BelowIntrinsic);
  CHECK(american_implied_vol(in, 110.0, AmericanMethod::Baw).status == IvStatus::AboveUpperBound);
  CHECK(american_implied_vol(in, 10.0, AmericanMethod::Baw).status == IvStatus::NoTimeValue);
}

TEST_CASE("OCC symbols", "[options][csv]") {
  const auto s = parse_occ_symbol("MSFT241220C00300000");
  REQUIRE(s);
  CHECK(s->root == "MSFT");
  CHECK(format_time(s->expiry_day * k_ns_per_day, true) == "2024-12-20");
  CHECK(s->type == OptionType::Call);
  CHECK(s->strike == 300);
  const auto padded = parse_occ_symbol("SPY   260116P00587500");
  REQUIRE(padded);
  CHECK(padded->root == "SPY");
  CHECK(padded->strike == 587.5);
  CHECK(format_occ_symbol("MSFT", s->expiry_day, OptionType::Call, 300) == "MSFT241220C00300000");
  CHECK(format_occ_symbol("SPY", padded->expiry_day, OptionType::Put, 587.5) == "SPY260116P00587500");
  CHECK_FALSE(format_occ_symbol("TOOLONGX", s->expiry_day, OptionType::Put, 1));
  CHECK_FALSE(format_occ_symbol("X", day_number(at("1999-12-31")), OptionType::Put, 1));
  for (const char* bad : {"MSFT", "MSFT241220X00300000", "MSFT241320C00300000", "TOOLONGROOT241220C00300000", "MSFT241220C00000000"}) {
    INFO(bad);
    CHECK_FALSE(parse_occ_symbol(bad));
  }
}

TEST_CASE("chain CSV: vendor layouts read alike", "[options][csv]") {
  ChainImportOptions opt;
  opt.zone = new_york();
  const std::string plain =
      "date,underlying,expiry,strike,type,bid,ask,last,volume,open_interest,implied_volatility,delta,underlying_price\n"
      "2026-01-02,msft,2026-01-16,400,call,10.1,10.3,10.2,120,3400,0.25,0.52,401.5\n"
      "2026-01-02,MSFT,2026-01-16,400,put,8.0,8.2,,95,2900,0.26,-0.48,401.5\n";
  const std::string cboe =
      "underlying_symbol,quote_date,root,expiration,strike,option_type,open,high,low,close,trade_volume,bid_1545,ask_1545,"
      "implied_volatility_1545,delta_1545,open_interest\n"
      "MSFT,2026-01-02,MSFT,2026-01-16,400,C,10,10.5,9.9,10.2,120,10.1,10.3,0.25,0.52,3400\n"
      "MSFT,2026-01-02,MSFT,2026-01-16,400,P,8,8.3,7.9,,95,8.0,8.2,0.26,-0.48,2900\n";
  const std::string yahoo =
      "contractSymbol,lastTradeDate,strike,lastPrice,bid,ask,change,percentChange,volume,openInterest,impliedVolatility\n"
      "MSFT260116C00400000,2026-01-02 15:59:00,400,10.2,10.1,10.3,0.1,1,120,3400,0.25\n"
      "MSFT260116P00400000,2026-01-02 15:58:00,400,,8.0,8.2,0,0,95,2900,0.26\n";
  std::vector<ParsedChains> parsed;
  parsed.push_back(*parse_chain_csv(plain, "plain.csv", opt));
  parsed.push_back(*parse_chain_csv(cboe, "cboe.csv", opt));
  opt.as_of = close_of_date(day_number(at("2026-01-02")), opt.zone);
  parsed.push_back(*parse_chain_csv(yahoo, "yahoo.csv", opt));
  for (const ParsedChains& p : parsed) {
    REQUIRE(p.snapshots.size() == 1);
    const ChainSnapshot& s = p.snapshots[0];
    CHECK(s.underlying == "MSFT");
    CHECK(format_time(s.as_of) == "2026-01-02T21:00:00Z");
    REQUIRE(s.quotes.size() == 2);
    CHECK(s.quotes[0].type == OptionType::Call);
    CHECK(format_time(s.quotes[0].expiry) == "2026-01-16T21:00:00Z");
    CHECK(s.quotes[0].strike == 400);
    CHECK(s.quotes[0].bid == 10.1);
    CHECK(s.quotes[0].ask == 10.3);
    CHECK(s.quotes[0].volume == 120);
    CHECK(s.quotes[0].open_interest == 3400);
    CHECK(s.quotes[1].vendor_iv == 0.26);
    CHECK(std::isnan(s.quotes[1].last));
  }
  CHECK(parsed[0].snapshots[0].spot == 401.5);
  // lastTradeDate is not a snapshot date: yahoo's file needed --date.
  CHECK(parsed[2].ignored_columns == std::vector<std::string>{"lastTradeDate", "change", "percentChange"});
}

TEST_CASE("chain CSV errors name the file, line and column", "[options][csv]") {
  ChainImportOptions opt;
  opt.zone = new_york();
  const std::string head = "date,underlying,expiry,strike,type,bid,ask,volume,open_interest\n";
  const std::string good = "2026-01-02,MSFT,2026-01-16,400,call,10.1,10.3,120,3400\n";
  struct Case {
    std::string row;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"2026-01-02,MSFT,2026-01-16,0,call,1,2,1,1\n", "f.csv:3: column 'strike': '0' is not a positive strike"},
      {"2026-01-02,MSFT,2026-01-16,400,straddle,1,2,1,1\n", "f.csv:3: column 'type': 'straddle' is not call or put"},
      {"2026-01-02,MSFT,2026-01-16,400,put,3,2,1,1\n", "f.csv:3: column 'ask': '2' is below the bid 3"},
      {"2026-01-02,MSFT,2026-01-16,400,put,1,2,-5,1\n", "f.csv:3: column 'volume': '-5' is negative"},
      {"2026-01-02,MSFT,2026-01-16,400,put,1,2,5,1.5\n", "f.csv:3: column 'open_interest': '1.5' is not a whole number"},
      {"2026-01-02,MSFT,2025-12-19,400,put,1,2,5,1\n", "f.csv:3: column 'expiry': expiry 2025-12-19T21:00:00Z is before the quote time"},
      {"2026-01-02,MSFT,2026-01-16,400,put,abc,2,5,1\n", "f.csv:3: column 'bid': 'abc' is not a number"},
      {"2026-01-02,MSFT,2026-01-16,400,call,1,2,5,1\n", "f.csv:3: MSFT 2026-01-16T21:00:00Z call strike 400 is listed twice in one snapshot (first on line 2)"},
  };
  for (const Case& c : cases) {
    INFO(c.row);
    const auto r = parse_chain_csv(head + good + c.row, "f.csv", opt);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Data);
    CHECK_THAT(r.error().message, Catch::StartsWith(c.expected));
  }
  opt.skip_invalid = true;
  const auto skipped = parse_chain_csv(head + good + cases[0].row + cases[1].row, "f.csv", opt);
  REQUIRE(skipped);
  CHECK(skipped->skipped.size() == 2);
  CHECK(skipped->snapshots[0].quotes.size() == 1);
  CHECK_FALSE(parse_chain_csv("date,strike\n", "f.csv", opt));  // no rows
  CHECK_FALSE(parse_chain_csv("date,underlying,expiry,type\n2026-01-02,X,2026-01-16,call\n", "f.csv", opt));  // no strike column
}

TEST_CASE("chains round-trip through the store, a second write needs replace", "[options][store]") {
  const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/aiots-chain-store-test.db";
  std::remove(path.c_str());
  auto store = MarketStore::open(path);
  REQUIRE(store);
  ChainSnapshot chain;
  chain.underlying = "MSFT";
  chain.as_of = at("2026-01-02T21:00:00Z");
  chain.synthetic = true;
  chain.source = "test";
  const Timestamp now = chain.as_of;
  chain.quotes = {priced(now, at("2026-01-16T21:00:00Z"), 400, 400, OptionType::Call, 0.25, 10),
                  priced(now, at("2026-01-16T21:00:00Z"), 400, 400, OptionType::Put, 0.25, 20)};
  chain.quotes[1].last = k_missing;
  REQUIRE(write_chain(store->db(), chain, false));
  CHECK_FALSE(write_chain(store->db(), chain, false));
  REQUIRE(write_chain(store->db(), chain, true));
  const auto loaded = load_chain(store->db(), "MSFT", std::nullopt);
  REQUIRE(loaded);
  CHECK(loaded->synthetic);
  REQUIRE(loaded->quotes.size() == 2);
  CHECK(loaded->quotes[1].type == OptionType::Put);
  CHECK(loaded->quotes[1].bid == chain.quotes[1].bid);
  CHECK(std::isnan(loaded->quotes[1].last));
  CHECK_FALSE(load_chain(store->db(), "MSFT", at("2026-01-01T00:00:00Z")));
  CHECK_FALSE(load_chain(store->db(), "AAPL", std::nullopt));
  const auto list = list_chains(store->db(), std::nullopt);
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].contracts == 2);
  std::remove(path.c_str());
}
