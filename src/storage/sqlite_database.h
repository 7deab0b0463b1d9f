#pragma once

#include <memory>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

/// Opens SQLite at `path` with WAL (switched once, with retries, before any pooled connection opens), a busy timeout
/// and foreign keys on; creates its directory 0700 and the file 0600 (its -wal and -shm follow) whatever the umask.
std::unique_ptr<Database> openSqlite(const std::string& path, int pool_size, int acquire_timeout_ms);

}  // namespace rsolv::storage
