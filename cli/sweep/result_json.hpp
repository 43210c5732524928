// A sweep result as JSON: the metrics object of reports and of shard results files, and a
// whole result row (one line of results/shard-K.jsonl). Undefined metrics are null.
#pragma once

#include <nlohmann/json.hpp>

#include "store/sweeps_store.hpp"

namespace aiots::cli {

nlohmann::json metrics_to_json(const SweepMetrics& m);
// Reads the metrics of a backtest's result or of a results line (missing or null: NaN).
SweepMetrics metrics_from_json(const nlohmann::json& j);
nlohmann::json row_to_json(const SweepResultRow& r);
// Throws nlohmann::json's exceptions on a malformed row (the caller names file and line).
SweepResultRow row_from_json(const nlohmann::json& j);

}  // namespace aiots::cli
