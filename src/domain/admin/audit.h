#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "storage/audit_repository.h"
#include "storage/database.h"

namespace rsolv::domain::admin {

/// Who makes a change: "operator:<email>" from the console, "cli:<user>" from the command line, and from where.
struct Actor {
    std::string name;
    std::string ip;
};

/// What an operator typed as the reason of a change: required, trimmed, at most 500 characters. Field "reason".
Result<std::string> checkReason(std::string_view typed);

/// Appends one audit row in the caller's transaction, so it commits with the change it describes or not at all.
struct AuditRecord {
    std::string action;
    std::string target_type;
    std::string target_id;
    std::optional<std::int64_t> customer_id;
    nlohmann::json before = nlohmann::json::object();
    nlohmann::json after = nlohmann::json::object();
};
void audit(storage::Transaction& tx, const Actor& actor, const std::string& reason, const AuditRecord& record,
           Timestamp now);

/// Audit entries, newest first.
std::vector<storage::AuditEntry> listAudit(storage::Transaction& tx, const storage::AuditFilter& filter);

}  // namespace rsolv::domain::admin
