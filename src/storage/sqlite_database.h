#pragma once

#include <memory>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

/// Opens SQLite at `path` with WAL, a busy timeout and foreign keys on, creating its directory if needed.
std::unique_ptr<Database> openSqlite(const std::string& path, int pool_size, int acquire_timeout_ms);

}  // namespace rsolv::storage
