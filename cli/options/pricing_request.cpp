#include "options/pricing_request.hpp"

#include <cmath>

#include "engine/options/expiry.hpp"
#include "util/format_number.hpp"
#include "util/parse_number.hpp"
#include "util/quote_value.hpp"

namespace aiots::cli {
namespace {

using options::OptionType;
using Result = tl::expected<double, FieldError>;

tl::unexpected<FieldError> fail(const std::string& field, std::string message) {
  return tl::unexpected(FieldError{field, std::move(message)});
}

Result number(const std::string& field, const std::string& text) {
  if (text.empty()) return fail(field, "value is missing");
  const auto out = parse_double(text);
  if (!out) return fail(field, quote_value(text) + " is not a number");
  if (!std::isfinite(*out)) return fail(field, quote_value(text) + " is not a finite number");
  return *out;
}

Result positive(const std::string& field, const std::string& text) {
  auto v = number(field, text);
  if (v && *v <= 0) return fail(field, quote_value(text) + " is not positive");
  return v;
}

Result non_negative(const std::string& field, const std::string& text) {
  auto v = number(field, text);
  if (v && *v < 0) return fail(field, quote_value(text) + " is negative");
  return v;
}

tl::expected<bool, FieldError> parse_style(const std::string& text) {
  if (text.empty() || text == "european" || text == "e" || text == "0" || text == "false") return false;
  if (text == "american" || text == "a" || text == "1" || text == "true") return true;
  return fail("style", quote_value(text) + " is not american or european");
}

tl::expected<double, FieldError> years_of(const PricingFields& f, const PricingSettings& s) {
  if (!f.years.empty()) {
    auto years = non_negative("years", f.years);
    return years;
  }
  if (f.expiry.empty()) return fail("expiry", "value is missing (30d, 0.25y, YYYY-MM-DD or a timestamp)");
  auto expiry = options::parse_expiry(f.expiry, *s.zone);
  if (!expiry) return fail("expiry", expiry.error().message);
  Timestamp now = s.default_now;
  if (!f.now.empty()) {
    auto parsed = options::parse_now(f.now, *s.zone);
    if (!parsed) return fail("now", parsed.error().message);
    now = *parsed;
  }
  const double years = options::years_until(*expiry, now);
  if (years < 0) {
    return fail("expiry", quote_value(f.expiry) + " (" + format_time(expiry->instant) + ") is in the past (now is " +
                              format_time(now) + ")");
  }
  return years;
}

// The numbers of one request, unchecked (evaluate refuses any that is not finite).
tl::expected<PricingResult, FieldError> evaluate_unchecked(const PricingRequest& r, const PricingSettings& s) {
  PricingResult out;
  if (s.kind == PricingKind::Iv) {
    const options::IvResult iv = r.american ? options::american_implied_vol(r.in, r.price, s.method, s.steps)
                                            : options::implied_vol(r.in, r.price);
    if (options::is_error(iv.status)) {
      const double floor_value = r.american ? std::max(0.0, r.in.type == OptionType::Call ? r.in.spot - r.in.strike : r.in.strike - r.in.spot)
                                            : options::lower_bound(r.in);
      const double ceiling = r.american ? (r.in.type == OptionType::Call ? r.in.spot : r.in.strike) : options::upper_bound(r.in);
      std::string why = iv.status == options::IvStatus::BelowIntrinsic
                            ? format_number(r.price) + " is below the option's intrinsic value " + format_number(floor_value)
                        : iv.status == options::IvStatus::AboveUpperBound
                            ? format_number(r.price) + " is at or above the no-arbitrage bound " + format_number(ceiling)
                            : format_number(r.price) + " cannot be inverted with these inputs";
      return fail("price", why + ": no volatility gives it (" + std::string(options::to_string(iv.status)) + ")");
    }
    out.numbers = {{"price", r.price}, {"iv", iv.vol}, {"uncertainty", iv.uncertainty}};
    out.status = std::string(options::to_string(iv.status));
    return out;
  }
  if (s.kind == PricingKind::Price) {
    const double price = r.american ? options::american_price(r.in, s.method, s.steps) : options::bs_price(r.in);
    out.numbers = {{"vol", r.in.vol}, {"price", price}};
    return out;
  }
  const options::Greeks g = r.american ? options::american_greeks(r.in, s.method, s.steps) : options::bs_greeks(r.in);
  out.numbers = {{"vol", r.in.vol},     {"price", g.price},     {"delta", g.delta},   {"gamma", g.gamma},
                 {"vega", g.vega},      {"theta", g.theta},     {"rho", g.rho},       {"dividend_rho", g.dividend_rho},
                 {"vanna", g.vanna},    {"charm", g.charm},     {"vomma", g.vomma}};
  return out;
}

}  // namespace

tl::expected<PricingRequest, FieldError> make_request(const PricingFields& f, const PricingSettings& s) {
  PricingRequest r;
  if (f.type.empty()) return fail("type", "value is missing (call or put)");
  const auto type = options::parse_option_type(f.type);
  if (!type) return fail("type", quote_value(f.type) + " is not call or put");
  r.in.type = *type;
  auto spot = positive("spot", f.spot);
  if (!spot) return tl::unexpected(spot.error());
  auto strike = positive("strike", f.strike);
  if (!strike) return tl::unexpected(strike.error());
  auto years = years_of(f, s);
  if (!years) return tl::unexpected(years.error());
  auto rate = number("rate", f.rate.empty() ? "0" : f.rate);
  if (!rate) return tl::unexpected(rate.error());
  auto div = number("div", f.div.empty() ? "0" : f.div);
  if (!div) return tl::unexpected(div.error());
  auto american = parse_style(f.style);
  if (!american) return tl::unexpected(american.error());
  r.in.spot = *spot;
  r.in.strike = *strike;
  r.in.years = *years;
  r.in.rate = *rate;
  r.in.dividend = *div;
  r.american = *american;
  if (s.kind == PricingKind::Iv) {
    auto price = non_negative("price", f.price);
    if (!price) return tl::unexpected(price.error());
    r.price = *price;
    if (r.in.years == 0) return fail("expiry", "the option expires now: at expiry a price carries no volatility");
  } else {
    auto vol = non_negative("vol", f.vol);
    if (!vol) return tl::unexpected(vol.error());
    r.in.vol = *vol;
  }
  // Inputs past what double precision prices without overflow are refused, naming the field.
  if (const char* problem = options::input_domain_error(r.in); problem != nullptr) {
    const std::string why = problem;
    const std::string field = why.starts_with("spot") ? "spot" : why.starts_with("strike") ? "strike"
                            : why.starts_with("time") ? (f.years.empty() ? "expiry" : "years")
                            : why.starts_with("rate") ? "rate" : why.starts_with("dividend") ? "div" : "vol";
    return fail(field, why);
  }
  return r;
}

std::vector<std::string> pricing_columns(PricingKind kind) {
  std::vector<std::string> columns = {"type", "spot", "strike", "years", "rate", "div", "style"};
  switch (kind) {
    case PricingKind::Price:
      columns.insert(columns.end(), {"vol", "price"});
      break;
    case PricingKind::Greeks:
      columns.insert(columns.end(), {"vol", "price", "delta", "gamma", "vega", "theta", "rho", "dividend_rho", "vanna",
                                     "charm", "vomma"});
      break;
    case PricingKind::Iv:
      columns.insert(columns.end(), {"price", "iv", "status", "uncertainty"});
      break;
  }
  return columns;
}

tl::expected<PricingResult, FieldError> evaluate(const PricingRequest& r, const PricingSettings& s) {
  auto result = evaluate_unchecked(r, s);
  // Never a NaN or an infinity in a result: that is an error, not a number.
  if (result) {
    for (const auto& [name, value] : result->numbers) {
      if (!std::isfinite(value)) {
        return fail(name == "iv" ? "price" : "vol", "the " + name + " is not finite for these inputs");
      }
    }
  }
  return result;
}


}  // namespace aiots::cli
