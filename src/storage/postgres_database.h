#pragma once

#include <memory>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

/// Connects to PostgreSQL at a libpq URL ("postgresql://user:pass@host:port/db?sslmode=..."); sessions run in UTC.
std::unique_ptr<Database> openPostgres(const std::string& url, int pool_size, int acquire_timeout_ms);

/// The URL with any password replaced by "***", for logs.
std::string redactUrl(const std::string& url);

}  // namespace rsolv::storage
