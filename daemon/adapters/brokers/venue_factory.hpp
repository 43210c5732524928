// The venues an account can be routed to, by the name broker.account.NAME gives them.
#pragma once

#include <memory>
#include <string>

#include "adapters/brokers/venue.hpp"
#include "config/config.hpp"

namespace aiots::venue {

// Checks the settings of venue `kind` ("alpaca", "ibkr"): keys present, mode known. Returns
// whether it trades real money.
Expected<bool> venue_is_live(const std::string& kind, const Config& config);
// Opens venue `kind` from the configuration.
Expected<std::unique_ptr<Venue>> open_venue(const std::string& kind, const Config& config);

}  // namespace aiots::venue
