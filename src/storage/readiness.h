#pragma once

#include <mutex>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::storage {

/// What GET /readyz reports: whether this instance can serve, and if not which check failed.
struct ReadinessReport {
    bool database_ok = false;  ///< the database answered a read
    bool write_ok = false;     ///< a write committed (a full disk or a read-only database fails here)
    int schema_version = 0;
    int expected_schema_version = 0;
    std::string failing_check;  ///< "" when ready; "database", "schema" or "database_write"
    std::string reason;  ///< a short, public reason ("unavailable", "busy", "disk_full", "error"); details in the log
    bool ready() const { return failing_check.empty(); }
};

/// Runs every check now: a read of the schema version; on SQLite at least 1 MiB free on the database's file system
/// (a tiny write can still fit in space the WAL already holds on a full disk); then a tiny write that must commit
/// (the newest schema_migrations row rewritten in place, so no table grows and the service reads nothing it changes).
ReadinessReport checkReadiness(Database& db);

/// checkReadiness with its answer cached, so a load balancer probing every second costs one write every few
/// seconds: a ready answer for `ready_ttl`, a failed one for `failed_ttl` (recovery shows quickly).
class ReadinessProbe {
public:
    ReadinessProbe(Database& db, const Clock& clock, Duration ready_ttl = std::chrono::seconds(5),
                   Duration failed_ttl = std::chrono::seconds(1));
    ReadinessReport check();

private:
    Database& db_;
    const Clock& clock_;
    const Duration ready_ttl_;
    const Duration failed_ttl_;
    std::mutex mutex_;  ///< one probe at a time; concurrent callers get its answer
    std::optional<ReadinessReport> cached_;
    Timestamp valid_until_{};
};

}  // namespace rsolv::storage
