#include "storage/readiness.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <filesystem>

#include "storage/migrations.h"

namespace rsolv::storage {
namespace {

/// A write that changes nothing anyone reads, yet must reach the WAL and commit like any other.
constexpr Query kProbeWrite{
    "UPDATE schema_migrations SET applied_at = applied_at "
    "WHERE version = (SELECT MAX(version) FROM schema_migrations)"};

/// Below this much free space on its file system SQLite cannot be trusted with a signup: a tiny write may still fit
/// in space the WAL already holds while every real transaction fails with "database or disk is full".
constexpr std::uint64_t kMinimumFreeBytes = 1024 * 1024;

/// Free bytes on the file system of a SQLite database (describe() is "sqlite:PATH"); nothing for other databases.
std::optional<std::uint64_t> sqliteFreeBytes(Database& db) {
    if (db.dialect() != Dialect::Sqlite) return std::nullopt;
    const std::string described = db.describe();
    const std::string prefix = "sqlite:";
    if (described.rfind(prefix, 0) != 0) return std::nullopt;
    auto dir = std::filesystem::path(described.substr(prefix.size())).parent_path();
    if (dir.empty()) dir = ".";
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0) return std::nullopt;
    return std::uint64_t(fs.f_bavail) * fs.f_frsize;
}

std::string publicReason(const std::exception& e) {
    if (const auto* s = dynamic_cast<const StorageError*>(&e)) {
        switch (s->kind()) {
            case StorageError::Kind::Unavailable: return "unavailable";
            case StorageError::Kind::Conflict: return "busy";
            default: break;
        }
    }
    return "error";
}

}  // namespace

ReadinessReport checkReadiness(Database& db) {
    ReadinessReport r;
    try {
        const auto status = schemaStatus(db);
        r.database_ok = true;
        r.schema_version = status.database_version;
        r.expected_schema_version = status.binary_version;
        if (!status.current()) {
            r.failing_check = "schema";
            r.reason = "schema version " + std::to_string(status.database_version) + ", expected " +
                       std::to_string(status.binary_version);
            return r;
        }
    } catch (const std::exception& e) {
        spdlog::warn("readiness: the database did not answer a read: {}", e.what());
        r.failing_check = "database";
        r.reason = publicReason(e);
        return r;
    }
    if (const auto free = sqliteFreeBytes(db); free && *free < kMinimumFreeBytes) {
        spdlog::warn("readiness: {} bytes free on the database's file system", *free);
        r.failing_check = "database_write";
        r.reason = "disk_full";
        return r;
    }
    try {
        inTransaction(db, TxMode::Write, [](Transaction& tx) { tx.exec(kProbeWrite); });
        r.write_ok = true;
    } catch (const std::exception& e) {
        spdlog::warn("readiness: a write could not commit: {}", e.what());
        r.failing_check = "database_write";
        r.reason = publicReason(e);
    }
    return r;
}

ReadinessProbe::ReadinessProbe(Database& db, const Clock& clock, Duration ready_ttl, Duration failed_ttl)
    : db_(db), clock_(clock), ready_ttl_(ready_ttl), failed_ttl_(failed_ttl) {}

ReadinessReport ReadinessProbe::check() {
    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    if (cached_ && now < valid_until_) return *cached_;
    cached_ = checkReadiness(db_);
    valid_until_ = clock_.now() + (cached_->ready() ? ready_ttl_ : failed_ttl_);
    return *cached_;
}

}  // namespace rsolv::storage
