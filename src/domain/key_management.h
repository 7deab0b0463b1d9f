#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "storage/api_key_repository.h"
#include "storage/database.h"

namespace rsolv::domain {

struct KeyPolicy {
    int max_active_keys = 5;
    Duration max_roll_grace = std::chrono::hours(24);
};

/// A key as the dashboard shows it.
enum class KeyState { Active, Expiring, Revoked, Expired };
KeyState keyState(const storage::ApiKeyRecord& key, Timestamp now);

struct IssuedKey {
    std::int64_t id = 0;
    std::string secret;      ///< shown once, never stored
    std::string display_id;
};

/// A new key named `name` (1 to 60 characters). Error "too_many_keys" (field "name") past the active-key limit: the
/// count runs under a per-customer lock, so two concurrent requests cannot both pass it.
Result<IssuedKey> createKey(storage::Transaction& tx, std::int64_t customer_id, std::string_view name, Timestamp now,
                            const KeyPolicy& policy);

/// Stripe's roll: a new key with the same name, shown once; the old one is revoked at once (grace 0) or keeps working
/// until now + grace (at most 24 hours). Error "not_found" for a key that is not the customer's or not live.
Result<IssuedKey> rollKey(storage::Transaction& tx, std::int64_t customer_id, std::int64_t key_id, Duration grace,
                          Timestamp now, const KeyPolicy& policy);

/// The customer's keys, as the dashboard lists them.
std::vector<storage::ApiKeyRecord> customerKeys(storage::Transaction& tx, std::int64_t customer_id);
/// One of the customer's keys: another customer's id finds nothing.
std::optional<storage::ApiKeyRecord> customerKey(storage::Transaction& tx, std::int64_t customer_id,
                                                 std::int64_t key_id);

/// Error "not_found" for a key that is not the customer's or no longer live.
Result<bool> revokeKey(storage::Transaction& tx, std::int64_t customer_id, std::int64_t key_id, Timestamp now);

}  // namespace rsolv::domain
