// One pricing request (price, Greeks or implied volatility) built from text fields, the same way
// for command-line flags and for batch CSV rows, so both give the same errors and results.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/options/american.hpp"
#include "util/error.hpp"
#include "util/timezone.hpp"

namespace aiots::cli {

enum class PricingKind { Price, Greeks, Iv };

// The inputs as text; an empty field is unset. `years` is a plain year fraction (the batch
// column T), an alternative to `expiry`.
struct PricingFields {
  std::string type, spot, strike, expiry, years, vol, rate, div, price, style, now;
};

// A field that failed: which one, and why (the caller adds the flag or file:line:column).
struct FieldError {
  std::string field;
  std::string message;
};

struct PricingRequest {
  options::BsInputs in;
  bool american = false;
  double price = 0;  // for implied volatility
};

struct PricingSettings {
  PricingKind kind = PricingKind::Price;
  options::AmericanMethod method = options::AmericanMethod::Tree;
  int steps = 0;
  const TimeZone* zone = nullptr;
  Timestamp default_now = 0;  // when no --now and no now column
};

// Parses and checks `fields`: a known type, positive spot and strike, an expiry not in the
// past, a non-negative volatility (price and Greeks) or price (implied volatility).
tl::expected<PricingRequest, FieldError> make_request(const PricingFields& fields, const PricingSettings& settings);

// The result of one request as named values, in output column order after the inputs; an
// error status of implied volatility is a FieldError on the price.
struct PricingResult {
  std::vector<std::pair<std::string, double>> numbers;
  std::string status;  // implied volatility only
};
tl::expected<PricingResult, FieldError> evaluate(const PricingRequest& request, const PricingSettings& settings);

// The output columns of `kind` (inputs echoed, then results).
std::vector<std::string> pricing_columns(PricingKind kind);

}  // namespace aiots::cli
