#include "domain/key_management.h"

#include "domain/api_key.h"
#include "domain/email_address.h"
#include "domain/events.h"

namespace rsolv::domain {
namespace {

const Error kNotFound{"not_found", "", "That key does not exist or is no longer active."};

IssuedKey insertKey(storage::Transaction& tx, std::int64_t customer_id, const std::string& name, Timestamp now) {
    const GeneratedApiKey key = generateApiKey();
    const auto id = storage::ApiKeyRepository(tx).insert(customer_id, key.hash, key.display_id, name, now);
    return {id, key.secret, key.display_id};
}

}  // namespace

KeyState keyState(const storage::ApiKeyRecord& key, Timestamp now) {
    if (key.revoked_at && *key.revoked_at <= now) return KeyState::Revoked;
    if (key.expires_at) return *key.expires_at <= now ? KeyState::Expired : KeyState::Expiring;
    return KeyState::Active;
}

Result<IssuedKey> createKey(storage::Transaction& tx, std::int64_t customer_id, std::string_view name, Timestamp now,
                            const KeyPolicy& policy) {
    auto parsed = parseName(name, "name", true);
    if (!parsed.ok()) return parsed.error();
    if (parsed.value().size() > 60) return Error{"too_long", "name", "Please keep the name under 60 characters."};
    tx.lockKey("api-keys:" + std::to_string(customer_id));
    if (storage::ApiKeyRepository(tx).countActive(customer_id, now) >= policy.max_active_keys)
        return Error{"too_many_keys", "name",
                     "You have " + std::to_string(policy.max_active_keys) +
                         " active keys, the most an account can have. Revoke one you no longer use first."};
    auto issued = insertKey(tx, customer_id, parsed.value(), now);
    recordEvent(tx, customer_id, event::kApiKeyGenerated, "succeeded", {{"key", issued.display_id}, {"via", "dashboard"}},
                now);
    return issued;
}

Result<IssuedKey> rollKey(storage::Transaction& tx, std::int64_t customer_id, std::int64_t key_id, Duration grace,
                          Timestamp now, const KeyPolicy& policy) {
    if (grace < Duration::zero() || grace > policy.max_roll_grace)
        return Error{"invalid_grace", "grace", "Choose how long the old key keeps working: now, 1 hour or 24 hours."};
    tx.lockKey("api-keys:" + std::to_string(customer_id));
    storage::ApiKeyRepository keys(tx);
    const auto old = keys.findForCustomer(customer_id, key_id);
    if (!old || keyState(*old, now) != KeyState::Active) return kNotFound;
    const bool ended = grace == Duration::zero() ? keys.revoke(customer_id, key_id, now)
                                                 : keys.expireAt(customer_id, key_id, now + grace);
    if (!ended) return kNotFound;
    auto issued = insertKey(tx, customer_id, old->name, now);
    recordEvent(tx, customer_id, "api_key_rolled", "succeeded",
                {{"old_key", old->display_id},
                 {"new_key", issued.display_id},
                 {"grace_seconds", std::chrono::duration_cast<std::chrono::seconds>(grace).count()}},
                now);
    return issued;
}

Result<bool> revokeKey(storage::Transaction& tx, std::int64_t customer_id, std::int64_t key_id, Timestamp now) {
    storage::ApiKeyRepository keys(tx);
    const auto key = keys.findForCustomer(customer_id, key_id);
    if (!key || !keys.revoke(customer_id, key_id, now)) return kNotFound;
    recordEvent(tx, customer_id, "api_key_revoked", "succeeded", {{"key", key->display_id}}, now);
    return true;
}

std::vector<storage::ApiKeyRecord> customerKeys(storage::Transaction& tx, std::int64_t customer_id) {
    return storage::ApiKeyRepository(tx).listForCustomer(customer_id);
}

std::optional<storage::ApiKeyRecord> customerKey(storage::Transaction& tx, std::int64_t customer_id,
                                                 std::int64_t key_id) {
    return storage::ApiKeyRepository(tx).findForCustomer(customer_id, key_id);
}

}  // namespace rsolv::domain
