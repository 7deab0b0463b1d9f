#pragma once

#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

struct Migration {
    int version;
    std::string name;
    std::string_view sql;
};

/// The migrations compiled into this binary for a dialect, in order (migrations/<dialect>/NNNN_name.sql).
std::vector<Migration> embeddedMigrations(Dialect dialect);

struct MigrationReport {
    int from_version = 0;
    int to_version = 0;
    std::vector<std::string> applied;
};

/// Applies the missing migrations, each in its own transaction under a database-wide lock, so several instances
/// starting at once apply each step once. Throws std::runtime_error when the database is newer than this binary.
MigrationReport migrate(Database& db);

/// The schema version in the database and the newest this binary knows; ready means they are equal.
struct SchemaStatus {
    int database_version = 0;
    int binary_version = 0;
    bool current() const { return database_version == binary_version; }
};
SchemaStatus schemaStatus(Database& db);

}  // namespace rsolv::storage
