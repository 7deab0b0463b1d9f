#include "domain/api_access.h"

#include "domain/api_key.h"
#include "domain/api_key_cache.h"
#include "domain/api_usage.h"
#include "storage/api_key_repository.h"

namespace rsolv::domain {

std::optional<VerifiedKey> ApiAuthenticator::verified(const std::string& key_hash) const {
    if (auto cached = cache_.find(key_hash)) return cached;
    const auto generation = cache_.generation();
    const auto found = storage::inTransaction(db_, storage::TxMode::SingleRead, [&](storage::Transaction& tx) {
        return storage::ApiKeyRepository(tx).findWithCustomer(key_hash);
    });
    if (!found) return std::nullopt;  // unknown keys are not cached: a key issued later is found at once
    const auto& k = found->key;
    VerifiedKey v{k.id,         k.customer_id,  k.display_id, k.revoked_at,
                  k.expires_at, k.last_used_at, found->customer_status};
    cache_.put(key_hash, v, generation);
    return v;
}

ApiAccess ApiAuthenticator::authorize(std::string_view key, Timestamp now) const {
    ApiAccess access;
    const std::string key_hash = hashApiKey(key);
    const auto k = verified(key_hash);
    if (!k) return access;
    access.caller = {k->key_id, k->customer_id};
    if (k->revoked_at && *k->revoked_at <= now) {
        access.status = ApiAccess::Status::RevokedKey;
        return access;
    }
    if (k->expires_at && *k->expires_at <= now) {
        access.status = ApiAccess::Status::ExpiredKey;
        return access;
    }
    if (k->customer_status != "active") {
        access.status = ApiAccess::Status::SuspendedCustomer;
        return access;
    }
    const auto window = usage_.admit(k->key_id, policy_.requests_per_minute, now);
    if (!window.allowed) {
        access.status = ApiAccess::Status::RateLimited;
        access.retry_after = window.retry_after;
        return access;
    }
    if (!k->last_used_at || *k->last_used_at < now - policy_.last_used_interval) {
        usage_.noteUse(k->key_id, k->customer_id, k->display_id, !k->last_used_at, now, policy_.last_used_interval);
        cache_.noteUsed(key_hash, now);
    }
    access.status = ApiAccess::Status::Granted;
    return access;
}

}  // namespace rsolv::domain
