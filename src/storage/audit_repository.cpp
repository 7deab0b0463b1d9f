#include "storage/audit_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kAppend{
    "INSERT INTO audit_log (at, actor, ip, action, target_type, target_id, customer_id, reason, before_json, "
    "after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"};
// Zero and empty parameters match everything; the since bound is a timestamp far in the past when not given.
constexpr Query kList{
    "SELECT id, at, actor, ip, action, target_type, target_id, customer_id, reason, before_json, after_json "
    "FROM audit_log WHERE ($1 = 0 OR customer_id = $1) AND ($2 = '' OR actor = $2) AND ($3 = '' OR action = $3) "
    "AND at >= $4 AND ($5 = 0 OR id < $5) ORDER BY id DESC LIMIT $6"};

}  // namespace

std::vector<Query> AuditRepository::statements() { return {kAppend, kList}; }

std::int64_t AuditRepository::append(const AuditEntry& e) {
    return tx_
        .exec(kAppend, {e.at, e.actor, e.ip, e.action, e.target_type, e.target_id,
                        e.customer_id ? Value(*e.customer_id) : Value(nullptr), e.reason, e.before_json, e.after_json})
        .front()
        .i64("id");
}

std::vector<AuditEntry> AuditRepository::list(const AuditFilter& f) {
    const Timestamp since = f.since ? *f.since : Timestamp{};
    const auto rs = tx_.exec(kList, {f.customer_id, f.actor, f.action, since, f.before_id, std::int64_t(f.limit)});
    std::vector<AuditEntry> out;
    for (size_t i = 0; i < rs.size(); ++i) {
        const auto r = rs[i];
        out.push_back(AuditEntry{r.i64("id"), r.time("at"), r.str("actor"), r.str("ip"), r.str("action"),
                                 r.str("target_type"), r.str("target_id"), r.optI64("customer_id"), r.str("reason"),
                                 r.str("before_json"), r.str("after_json")});
    }
    return out;
}

}  // namespace rsolv::storage
