#include "domain/admin/audit.h"

#include "common/text.h"
#include "storage/audit_repository.h"

namespace rsolv::domain::admin {
namespace {
std::string trimmed(std::string s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}
}  // namespace

Result<std::string> checkReason(std::string_view typed) {
    const std::string reason = trimmed(sanitizeUtf8(std::string(typed), 2000));
    if (reason.empty()) return Error{"reason_required", "reason", "Type the reason for this change."};
    if (reason.size() > 500) return Error{"reason_too_long", "reason", "Keep the reason under 500 characters."};
    return reason;
}

void audit(storage::Transaction& tx, const Actor& actor, const std::string& reason, const AuditRecord& record,
           Timestamp now) {
    storage::AuditEntry e;
    e.at = now;
    e.actor = actor.name;
    e.ip = actor.ip;
    e.action = record.action;
    e.target_type = record.target_type;
    e.target_id = record.target_id;
    e.customer_id = record.customer_id;
    e.reason = reason;
    e.before_json = record.before.dump();
    e.after_json = record.after.dump();
    storage::AuditRepository(tx).append(e);
}

}  // namespace rsolv::domain::admin

namespace rsolv::domain::admin {

std::vector<storage::AuditEntry> listAudit(storage::Transaction& tx, const storage::AuditFilter& filter) {
    return storage::AuditRepository(tx).list(filter);
}

}  // namespace rsolv::domain::admin
