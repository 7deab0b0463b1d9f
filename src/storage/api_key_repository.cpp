#include "storage/api_key_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO api_keys (customer_id, key_hash, display_id, name, created_at) VALUES ($1, $2, $3, $4, $5) "
    "RETURNING id"};
constexpr Query kByHash{
    "SELECT id, customer_id, key_hash, display_id, name, created_at, last_used_at, revoked_at, expires_at "
    "FROM api_keys WHERE key_hash = $1"};
constexpr Query kByCustomer{
    "SELECT id, customer_id, key_hash, display_id, name, created_at, last_used_at, revoked_at, expires_at "
    "FROM api_keys WHERE customer_id = $1 ORDER BY created_at DESC, id DESC"};

constexpr Query kForCustomer{
    "SELECT id, customer_id, key_hash, display_id, name, created_at, last_used_at, revoked_at, expires_at "
    "FROM api_keys WHERE id = $1 AND customer_id = $2"};
constexpr Query kRevoke{
    "UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND customer_id = $2 AND revoked_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > $3)"};
constexpr Query kRevokeAllCreatedBy{
    "UPDATE api_keys SET revoked_at = $3 WHERE customer_id = $1 AND created_at <= $2 AND revoked_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > $3)"};
constexpr Query kExpire{
    "UPDATE api_keys SET expires_at = $3 WHERE id = $1 AND customer_id = $2 AND revoked_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > $3)"};
constexpr Query kCountActive{
    "SELECT COUNT(*) AS n FROM api_keys WHERE customer_id = $1 AND revoked_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > $2)"};

constexpr Query kWithCustomer{
    "SELECT k.id, k.customer_id, k.key_hash, k.display_id, k.name, k.created_at, k.last_used_at, k.revoked_at, "
    "k.expires_at, c.status AS customer_status FROM api_keys k JOIN customers c ON c.id = k.customer_id "
    "WHERE k.key_hash = $1"};
constexpr Query kTouch{
    "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)"};

ApiKeyRecord toRecord(const Row& row) {
    ApiKeyRecord k;
    k.id = row.i64("id");
    k.customer_id = row.i64("customer_id");
    k.key_hash = row.str("key_hash");
    k.display_id = row.str("display_id");
    k.name = row.str("name");
    k.created_at = row.time("created_at");
    k.last_used_at = row.optTime("last_used_at");
    k.revoked_at = row.optTime("revoked_at");
    k.expires_at = row.optTime("expires_at");
    return k;
}

}  // namespace

std::int64_t ApiKeyRepository::insert(std::int64_t customer_id, const std::string& key_hash,
                                      const std::string& display_id, const std::string& name, Timestamp now) {
    return tx_.exec(kInsert, {customer_id, key_hash, display_id, name, now}).front().i64("id");
}

std::optional<ApiKeyRecord> ApiKeyRepository::findByHash(const std::string& key_hash) {
    auto row = tx_.exec(kByHash, {key_hash}).first();
    if (!row) return std::nullopt;
    return toRecord(*row);
}

std::vector<ApiKeyRecord> ApiKeyRepository::listForCustomer(std::int64_t customer_id) {
    const auto rs = tx_.exec(kByCustomer, {customer_id});
    std::vector<ApiKeyRecord> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toRecord(rs[i]));
    return out;
}

}  // namespace rsolv::storage

namespace rsolv::storage {

std::optional<ApiKeyRepository::KeyWithCustomer> ApiKeyRepository::findWithCustomer(const std::string& key_hash) {
    auto row = tx_.exec(kWithCustomer, {key_hash}).first();
    if (!row) return std::nullopt;
    return KeyWithCustomer{toRecord(*row), row->str("customer_status")};
}

void ApiKeyRepository::touchLastUsed(std::int64_t id, Timestamp now, Duration min_interval) {
    tx_.exec(kTouch, {id, now, now - min_interval});
}

}  // namespace rsolv::storage

namespace rsolv::storage {

std::optional<ApiKeyRecord> ApiKeyRepository::findForCustomer(std::int64_t customer_id, std::int64_t id) {
    auto row = tx_.exec(kForCustomer, {id, customer_id}).first();
    if (!row) return std::nullopt;
    return toRecord(*row);
}

bool ApiKeyRepository::revoke(std::int64_t customer_id, std::int64_t id, Timestamp now) {
    return tx_.exec(kRevoke, {id, customer_id, now}).affected == 1;
}

int ApiKeyRepository::revokeAllCreatedBy(std::int64_t customer_id, Timestamp created_by, Timestamp now) {
    return int(tx_.exec(kRevokeAllCreatedBy, {customer_id, created_by, now}).affected);
}

bool ApiKeyRepository::expireAt(std::int64_t customer_id, std::int64_t id, Timestamp when) {
    return tx_.exec(kExpire, {id, customer_id, when}).affected == 1;
}

std::int64_t ApiKeyRepository::countActive(std::int64_t customer_id, Timestamp now) {
    return tx_.exec(kCountActive, {customer_id, now}).front().i64("n");
}

}  // namespace rsolv::storage
