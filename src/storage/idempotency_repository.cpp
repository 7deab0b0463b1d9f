#include "storage/idempotency_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kBegin{
    "INSERT INTO idempotency_keys (customer_id, idempotency_key, fingerprint, state, created_at, expires_at) "
    "VALUES ($1, $2, $3, 'in_progress', $4, $5) ON CONFLICT (customer_id, idempotency_key) DO NOTHING"};
constexpr Query kFind{
    "SELECT fingerprint, state, response_status, response_body, response_location, created_at, expires_at "
    "FROM idempotency_keys "
    "WHERE customer_id = $1 AND idempotency_key = $2"};
constexpr Query kComplete{
    "UPDATE idempotency_keys SET state = 'completed', response_status = $3, response_body = $4, "
    "response_location = $5 WHERE customer_id = $1 AND idempotency_key = $2"};
constexpr Query kRemove{"DELETE FROM idempotency_keys WHERE customer_id = $1 AND idempotency_key = $2"};
constexpr Query kTakeOver{
    "UPDATE idempotency_keys SET fingerprint = $3, state = 'in_progress', response_status = NULL, "
    "response_body = NULL, response_location = NULL, created_at = $5, expires_at = $6 WHERE customer_id = $1 AND idempotency_key = $2 "
    "AND ((state = 'in_progress' AND created_at < $4) OR expires_at <= $5)"};
constexpr Query kPrune{"DELETE FROM idempotency_keys WHERE expires_at <= $1"};

constexpr Query kHits{"SELECT hits FROM api_request_windows WHERE api_key_id = $1"};
/// A key deleted since its requests were counted (an erased customer) is skipped: its counts no longer matter, and
/// a foreign-key error would fail the whole batch of the background flush, every time.
constexpr Query kSaveHits{
    "INSERT INTO api_request_windows (api_key_id, hits) SELECT $1::bigint, $2::text "
    "WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = $1::bigint) "
    "ON CONFLICT (api_key_id) DO UPDATE SET hits = excluded.hits",
    "INSERT INTO api_request_windows (api_key_id, hits) SELECT ?1, ?2 "
    "WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = ?1) "
    "ON CONFLICT (api_key_id) DO UPDATE SET hits = excluded.hits"};

}  // namespace

bool IdempotencyRepository::begin(std::int64_t customer_id, const std::string& key, const std::string& fingerprint,
                                  Timestamp now, Timestamp expires_at) {
    return tx_.exec(kBegin, {customer_id, key, fingerprint, now, expires_at}).affected == 1;
}

std::optional<IdempotencyRecord> IdempotencyRepository::find(std::int64_t customer_id, const std::string& key) {
    auto row = tx_.exec(kFind, {customer_id, key}).first();
    if (!row) return std::nullopt;
    IdempotencyRecord r;
    r.fingerprint = row->str("fingerprint");
    r.state = row->str("state");
    if (auto s = row->optI64("response_status")) r.response_status = int(*s);
    r.response_body = row->opt("response_body");
    r.response_location = row->opt("response_location");
    r.created_at = row->time("created_at");
    r.expires_at = row->time("expires_at");
    return r;
}

void IdempotencyRepository::complete(std::int64_t customer_id, const std::string& key, int status,
                                     const std::string& body, const std::optional<std::string>& location) {
    tx_.exec(kComplete, {customer_id, key, std::int64_t(status), body,
                         location ? Value(*location) : Value(nullptr)});
}

void IdempotencyRepository::remove(std::int64_t customer_id, const std::string& key) {
    tx_.exec(kRemove, {customer_id, key});
}

bool IdempotencyRepository::takeOver(std::int64_t customer_id, const std::string& key, const std::string& fingerprint,
                                     Timestamp stale_before, Timestamp now, Timestamp expires_at) {
    return tx_.exec(kTakeOver, {customer_id, key, fingerprint, stale_before, now, expires_at}).affected == 1;
}

int IdempotencyRepository::pruneExpired(Timestamp now) { return int(tx_.exec(kPrune, {now}).affected); }

std::string RequestWindowRepository::lockHits(std::int64_t api_key_id) {
    // An advisory lock, not FOR UPDATE: it also holds for a key whose row does not exist yet.
    tx_.lockKey("api-window:" + std::to_string(api_key_id));
    auto row = tx_.exec(kHits, {api_key_id}).first();
    return row ? row->str("hits") : std::string();
}

std::string RequestWindowRepository::hits(std::int64_t api_key_id) {
    auto row = tx_.exec(kHits, {api_key_id}).first();
    return row ? row->str("hits") : std::string();
}

void RequestWindowRepository::saveHits(std::int64_t api_key_id, const std::string& hits) {
    tx_.exec(kSaveHits, {api_key_id, hits});
}

}  // namespace rsolv::storage
