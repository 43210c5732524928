#include "adapters/http/json_body.hpp"

#include "util/json_depth.hpp"

namespace aiots::http {

nlohmann::json json_body(std::string_view body) {
  if (json_nesting_depth(body) > k_max_json_depth) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(body, nullptr, false);
}

}  // namespace aiots::http
