#include "adapters/brokers/venue_factory.hpp"

#include "adapters/brokers/alpaca.hpp"
#include "adapters/brokers/ibkr.hpp"

namespace aiots::venue {

Expected<bool> venue_is_live(const std::string& kind, const Config& config) {
  if (kind == "alpaca") {
    AIOTS_TRY_ASSIGN(s, alpaca_settings(config));
    return s.live;
  }
  if (kind == "ibkr") {
    AIOTS_TRY_ASSIGN(s, ibkr_settings(config));
    return s.live;
  }
  return usage_error("no broker named '" + kind + "' (paper, alpaca or ibkr)");
}

Expected<std::unique_ptr<Venue>> open_venue(const std::string& kind, const Config& config) {
  if (kind == "alpaca") {
    AIOTS_TRY_ASSIGN(s, alpaca_settings(config));
    AIOTS_TRY_ASSIGN(v, AlpacaVenue::open(std::move(s)));
    return std::unique_ptr<Venue>(std::move(v));
  }
  if (kind == "ibkr") {
    AIOTS_TRY_ASSIGN(s, ibkr_settings(config));
    AIOTS_TRY_ASSIGN(v, IbkrVenue::open(std::move(s)));
    return std::unique_ptr<Venue>(std::move(v));
  }
  return usage_error("no broker named '" + kind + "' (paper, alpaca or ibkr)");
}

}  // namespace aiots::venue
