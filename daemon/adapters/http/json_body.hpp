// A response body as JSON, safe against hostile servers: a body nested deeper than
// k_max_json_depth (a megabyte of '[') is refused before any parser or tree walk recurses on it.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace aiots::http {

// The parsed body; a discarded value (is_discarded()) when it is not JSON or nests too deep.
nlohmann::json json_body(std::string_view body);

}  // namespace aiots::http
