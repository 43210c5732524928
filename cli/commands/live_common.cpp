#include "commands/live_common.hpp"

#include <iostream>

#include "rpc_client.hpp"

namespace aiots::cli {

bool daemon_answers(const Context& ctx) {
  auto config = ctx.daemon_config();
  return config && RpcClient::connect(config->string("socket")).has_value();
}

Expected<nlohmann::json> call_daemon(const Context& ctx, const std::string& method, const nlohmann::json& params) {
  AIOTS_TRY_ASSIGN(config, ctx.daemon_config());
  AIOTS_TRY_ASSIGN(client, RpcClient::connect(config.string("socket")));
  return client.call(method, params);
}

Expected<void> print_rows(const Context& ctx, const nlohmann::json& rows, const std::vector<std::string>& columns) {
  AIOTS_TRY_ASSIGN(format, ctx.format());
  if (format == OutputFormat::Json) {
    std::cout << rows.dump(2) << "\n";
    return {};
  }
  AIOTS_TRY_ASSIGN(w, ctx.writer(columns));
  for (const auto& r : rows) {
    std::vector<Cell> cells;
    for (const std::string& c : columns) {
      const auto& v = r.contains(c) ? r[c] : nlohmann::json(nullptr);
      if (v.is_number_integer()) cells.emplace_back(v.get<std::int64_t>());
      else if (v.is_number()) cells.emplace_back(v.get<double>());
      else if (v.is_string()) cells.emplace_back(v.get<std::string>());
      else if (v.is_boolean()) cells.emplace_back(std::string(v.get<bool>() ? "true" : "false"));
      else if (v.is_null()) cells.emplace_back(std::monostate{});
      else cells.emplace_back(v.dump());
    }
    w->row(cells);
  }
  w->finish();
  return {};
}

Expected<void> print_object(const Context& ctx, const nlohmann::json& object) {
  AIOTS_TRY_ASSIGN(format, ctx.format());
  if (format == OutputFormat::Json) {
    std::cout << object.dump(2) << "\n";
    return {};
  }
  if (ctx.options.quiet) {
    return {};
  }
  for (const auto& [k, v] : object.items()) {
    std::cout << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
  }
  return {};
}

}  // namespace aiots::cli
