#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// One operator action: who, when, from where, what, on what, why, and the state before and after (JSON text).
struct AuditEntry {
    std::int64_t id = 0;
    Timestamp at;
    std::string actor;  ///< "operator:<email>" or "cli:<user>"
    std::string ip;
    std::string action;       ///< "credits.grant", "customer.suspend", ...
    std::string target_type;  ///< "customer", "api_key", "job", "operator", "signup_mode"
    std::string target_id;
    std::optional<std::int64_t> customer_id;  ///< the customer it concerns, for the customer's page
    std::string reason;
    std::string before_json = "{}";
    std::string after_json = "{}";
};

/// What to list; empty or zero fields do not filter.
struct AuditFilter {
    std::int64_t customer_id = 0;
    std::string actor;
    std::string action;
    std::optional<Timestamp> since;
    std::int64_t before_id = 0;  ///< keyset pagination: entries older than this id
    int limit = 50;
};

/// The audit log is append-only: this repository only inserts and reads (tests/storage/audit_log_test.cpp reads
/// statements() to prove it).
class AuditRepository {
public:
    explicit AuditRepository(Transaction& tx) : tx_(tx) {}
    std::int64_t append(const AuditEntry& e);
    /// Newest first.
    std::vector<AuditEntry> list(const AuditFilter& filter);
    /// Every statement this repository can run.
    static std::vector<Query> statements();

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
