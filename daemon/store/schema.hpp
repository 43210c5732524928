// The store's schema, versioned with PRAGMA user_version and migrated forward only.
#pragma once

#include "store/database.hpp"

namespace aiots {

// Returns the schema version this build writes.
int current_schema_version();

// Brings `db` up to the current version, one migration per step, each in its own transaction.
// A database from a newer aiots is refused rather than touched.
Expected<void> migrate(Database& db);

}  // namespace aiots
