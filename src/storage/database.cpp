#include "storage/database.h"

#include "storage/postgres_database.h"
#include "storage/sqlite_database.h"

namespace rsolv::storage {

std::unique_ptr<Database> openDatabase(const DatabaseOptions& options) {
    const std::string& url = options.url;
    if (url.rfind("sqlite:", 0) == 0) {
        std::string path = url.substr(7);
        if (path.rfind("//", 0) == 0) path = path.substr(2);  // also accept sqlite://PATH
        if (path.empty()) throw std::invalid_argument("sqlite: URL without a path");
        return openSqlite(path, options.pool_size, options.acquire_timeout_ms);
    }
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
        return openPostgres(url, options.pool_size, options.acquire_timeout_ms);
    throw std::invalid_argument("expected sqlite:PATH or a postgresql:// URL");
}

}  // namespace rsolv::storage
