#include "storage/operator_repository.h"

namespace rsolv::storage {
namespace {

#define RSOLV_OPERATOR_COLUMNS "id, email, email_canonical, role, created_at, disabled_at"
constexpr Query kInsert{
    "INSERT INTO operators (email, email_canonical, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id"};
constexpr Query kById{"SELECT " RSOLV_OPERATOR_COLUMNS " FROM operators WHERE id = $1"};
constexpr Query kByCanonical{"SELECT " RSOLV_OPERATOR_COLUMNS " FROM operators WHERE email_canonical = $1"};
constexpr Query kList{"SELECT " RSOLV_OPERATOR_COLUMNS " FROM operators ORDER BY id"};
#undef RSOLV_OPERATOR_COLUMNS
constexpr Query kSetRole{"UPDATE operators SET role = $2 WHERE id = $1"};
constexpr Query kSetDisabled{"UPDATE operators SET disabled_at = $2 WHERE id = $1"};

constexpr Query kInsertToken{
    "INSERT INTO operator_sign_in_tokens (token_hash, operator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"};
constexpr Query kRedeemToken{
    "UPDATE operator_sign_in_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 "
    "RETURNING operator_id"};

#define RSOLV_SESSION_COLUMNS "id_hash, operator_id, created_at, last_seen_at, expires_at, ip, user_agent"
constexpr Query kInsertSession{"INSERT INTO operator_sessions (" RSOLV_SESSION_COLUMNS
                               ") VALUES ($1, $2, $3, $4, $5, $6, $7)"};
constexpr Query kFindSession{"SELECT " RSOLV_SESSION_COLUMNS " FROM operator_sessions WHERE id_hash = $1"};
#undef RSOLV_SESSION_COLUMNS
constexpr Query kTouchSession{"UPDATE operator_sessions SET last_seen_at = $2 WHERE id_hash = $1"};
constexpr Query kRemoveSession{"DELETE FROM operator_sessions WHERE id_hash = $1"};
constexpr Query kRemoveSessionsOf{"DELETE FROM operator_sessions WHERE operator_id = $1"};

OperatorRecord toOperator(const Row& r) {
    return OperatorRecord{r.i64("id"), r.str("email"), r.str("email_canonical"), r.str("role"), r.time("created_at"),
                          r.optTime("disabled_at")};
}

}  // namespace

std::int64_t OperatorRepository::insert(const std::string& email, const std::string& canonical,
                                        const std::string& role, Timestamp now) {
    return tx_.exec(kInsert, {email, canonical, role, now}).front().i64("id");
}

std::optional<OperatorRecord> OperatorRepository::findById(std::int64_t id) {
    auto row = tx_.exec(kById, {id}).first();
    if (!row) return std::nullopt;
    return toOperator(*row);
}

std::optional<OperatorRecord> OperatorRepository::findByCanonicalEmail(const std::string& canonical) {
    auto row = tx_.exec(kByCanonical, {canonical}).first();
    if (!row) return std::nullopt;
    return toOperator(*row);
}

std::vector<OperatorRecord> OperatorRepository::list() {
    const auto rs = tx_.exec(kList);
    std::vector<OperatorRecord> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toOperator(rs[i]));
    return out;
}

void OperatorRepository::setRole(std::int64_t id, const std::string& role) { tx_.exec(kSetRole, {id, role}); }

void OperatorRepository::setDisabled(std::int64_t id, std::optional<Timestamp> disabled_at) {
    tx_.exec(kSetDisabled, {id, nullable(disabled_at)});
}

void OperatorRepository::insertToken(const std::string& token_hash, std::int64_t operator_id, Timestamp now,
                                     Timestamp expires_at) {
    tx_.exec(kInsertToken, {token_hash, operator_id, now, expires_at});
}

std::optional<std::int64_t> OperatorRepository::redeemToken(const std::string& token_hash, Timestamp now) {
    auto row = tx_.exec(kRedeemToken, {token_hash, now}).first();
    if (!row) return std::nullopt;
    return row->i64("operator_id");
}

void OperatorRepository::insertSession(const OperatorSessionRecord& s) {
    tx_.exec(kInsertSession, {s.id_hash, s.operator_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent});
}

std::optional<OperatorSessionRecord> OperatorRepository::findSession(const std::string& id_hash) {
    auto row = tx_.exec(kFindSession, {id_hash}).first();
    if (!row) return std::nullopt;
    return OperatorSessionRecord{row->str("id_hash"),      row->i64("operator_id"), row->time("created_at"),
                                 row->time("last_seen_at"), row->time("expires_at"),  row->str("ip"),
                                 row->str("user_agent")};
}

void OperatorRepository::touchSession(const std::string& id_hash, Timestamp now) {
    tx_.exec(kTouchSession, {id_hash, now});
}

void OperatorRepository::removeSession(const std::string& id_hash) { tx_.exec(kRemoveSession, {id_hash}); }

int OperatorRepository::removeSessionsOf(std::int64_t operator_id) {
    return int(tx_.exec(kRemoveSessionsOf, {operator_id}).affected);
}

}  // namespace rsolv::storage
