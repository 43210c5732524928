// What the commands that talk to aiotsd share: one call, and printing a list of objects as
// table/CSV/JSON by chosen columns.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "context.hpp"

namespace aiots::cli {

// Connects to the configured socket and calls `method`.
Expected<nlohmann::json> call_daemon(const Context& ctx, const std::string& method,
                                     const nlohmann::json& params = nlohmann::json::object());

// Whether aiotsd answers on the configured socket.
bool daemon_answers(const Context& ctx);

// Prints `rows` (an array of objects) with `columns`; --json prints the array as is.
Expected<void> print_rows(const Context& ctx, const nlohmann::json& rows, const std::vector<std::string>& columns);

// Prints an object: --json as is, else "key: value" lines.
Expected<void> print_object(const Context& ctx, const nlohmann::json& object);

}  // namespace aiots::cli
