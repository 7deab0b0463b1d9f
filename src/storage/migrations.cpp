#include "storage/migrations.h"

#include <algorithm>
#include <stdexcept>

#include "common/embedded.h"

namespace rsolv::storage {
namespace {

constexpr Query kCreateTable{
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at TEXT NOT NULL)"};
constexpr Query kCurrentVersion{"SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations"};
constexpr Query kRecord{"INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"};
constexpr Query kTableExists{
    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'schema_migrations' "
    "AND table_schema = current_schema()",
    "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"};

constexpr const char* kMigrationLock = "rsolv:migrations";

int currentVersion(Transaction& tx) {
    if (tx.exec(kTableExists).front().i64("n") == 0) return 0;
    return int(tx.exec(kCurrentVersion).front().i64("version"));
}

}  // namespace

std::vector<Migration> embeddedMigrations(Dialect dialect) {
    const std::string prefix = dialect == Dialect::Postgres ? "migrations/postgres/" : "migrations/sqlite/";
    std::vector<Migration> out;
    for (const auto& f : embedded::all()) {
        if (f.path.rfind(prefix, 0) != 0) continue;
        const std::string file(f.path.substr(prefix.size()));
        const auto underscore = file.find('_');
        if (underscore != 4 || file.size() < 9 || file.substr(file.size() - 4) != ".sql")
            throw std::logic_error("migration file not named NNNN_name.sql: " + file);
        out.push_back({std::stoi(file.substr(0, 4)), file.substr(5, file.size() - 9), f.content});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
    for (size_t i = 0; i < out.size(); ++i)
        if (out[i].version != int(i + 1))
            throw std::logic_error("migrations must be numbered 0001, 0002, ... without gaps");
    return out;
}

MigrationReport migrate(Database& db) {
    const auto migrations = embeddedMigrations(db.dialect());
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    MigrationReport report;
    report.from_version = -1;
    for (const auto& m : migrations) {
        const bool applied = inTransaction(db, TxMode::Write, [&](Transaction& tx) {
            tx.lockKey(kMigrationLock);
            tx.exec(kCreateTable);
            const int current = currentVersion(tx);
            if (report.from_version < 0) report.from_version = current;
            if (current > newest)
                throw std::runtime_error("the database schema (version " + std::to_string(current) +
                                         ") is newer than this binary knows (version " + std::to_string(newest) +
                                         "): run a newer rsolv");
            if (current >= m.version) return false;
            tx.execScript(m.sql);
            tx.exec(kRecord, {std::int64_t(m.version), m.name, formatTimestamp(SystemClock().now())});
            return true;
        });
        if (applied) report.applied.push_back(m.name);
    }
    if (migrations.empty() || report.from_version < 0) {
        report.from_version = schemaStatus(db).database_version;
        if (report.from_version > newest)
            throw std::runtime_error("the database schema is newer than this binary: run a newer rsolv");
    }
    report.to_version = schemaStatus(db).database_version;
    return report;
}

SchemaStatus schemaStatus(Database& db) {
    SchemaStatus s;
    const auto migrations = embeddedMigrations(db.dialect());
    s.binary_version = migrations.empty() ? 0 : migrations.back().version;
    s.database_version = inTransaction(db, TxMode::Read, [](Transaction& tx) { return currentVersion(tx); });
    return s;
}

}  // namespace rsolv::storage
