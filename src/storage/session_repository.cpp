#include "storage/session_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO sessions (id_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)"};
constexpr Query kFind{
    "SELECT id_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions "
    "WHERE id_hash = $1"};
constexpr Query kTouch{"UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1"};
constexpr Query kDelete{"DELETE FROM sessions WHERE id_hash = $1"};
constexpr Query kListForCustomer{
    "SELECT id_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions "
    "WHERE customer_id = $1 AND expires_at > $2 AND last_seen_at > $3 ORDER BY last_seen_at DESC"};
constexpr Query kDeleteForCustomer{"DELETE FROM sessions WHERE customer_id = $1"};
constexpr Query kDeleteOthersForCustomer{"DELETE FROM sessions WHERE customer_id = $1 AND id_hash <> $2"};

constexpr Query kPutFlash{
    "INSERT INTO flashes (session_hash, kind, sealed, expires_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (session_hash, kind) DO UPDATE SET sealed = excluded.sealed, expires_at = excluded.expires_at"};
constexpr Query kTakeFlash{"DELETE FROM flashes WHERE session_hash = $1 AND kind = $2 RETURNING sealed, expires_at"};

}  // namespace

void SessionRepository::insert(const SessionRecord& s) {
    tx_.exec(kInsert, {s.id_hash, s.customer_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent});
}

namespace {
SessionRecord toRecord(const Row& row) {
    return SessionRecord{row.str("id_hash"),     row.i64("customer_id"), row.time("created_at"),
                         row.time("last_seen_at"), row.time("expires_at"), row.str("ip"),
                         row.str("user_agent")};
}
}  // namespace

std::optional<SessionRecord> SessionRepository::find(const std::string& id_hash) {
    auto row = tx_.exec(kFind, {id_hash}).first();
    if (!row) return std::nullopt;
    return toRecord(*row);
}

std::vector<SessionRecord> SessionRepository::listLive(std::int64_t customer_id, Timestamp now, Timestamp idle_since) {
    const auto rs = tx_.exec(kListForCustomer, {customer_id, now, idle_since});
    std::vector<SessionRecord> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toRecord(rs[i]));
    return out;
}

int SessionRepository::removeAllFor(std::int64_t customer_id) {
    return int(tx_.exec(kDeleteForCustomer, {customer_id}).affected);
}

int SessionRepository::removeAllForExcept(std::int64_t customer_id, const std::string& keep_id_hash) {
    return int(tx_.exec(kDeleteOthersForCustomer, {customer_id, keep_id_hash}).affected);
}

void SessionRepository::touch(const std::string& id_hash, Timestamp now) { tx_.exec(kTouch, {id_hash, now}); }

void SessionRepository::remove(const std::string& id_hash) { tx_.exec(kDelete, {id_hash}); }

void FlashRepository::put(const std::string& session_hash, const std::string& kind, const std::string& sealed,
                          Timestamp expires_at) {
    tx_.exec(kPutFlash, {session_hash, kind, sealed, expires_at});
}

std::optional<std::string> FlashRepository::take(const std::string& session_hash, const std::string& kind,
                                                 Timestamp now) {
    auto row = tx_.exec(kTakeFlash, {session_hash, kind}).first();
    if (!row || row->time("expires_at") <= now) return std::nullopt;
    return row->str("sealed");
}

}  // namespace rsolv::storage
