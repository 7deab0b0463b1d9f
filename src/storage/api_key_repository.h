#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

struct ApiKeyRecord {
    std::int64_t id = 0;
    std::int64_t customer_id = 0;
    std::string key_hash;
    std::string display_id;
    std::string name;
    Timestamp created_at;
    std::optional<Timestamp> last_used_at;
    std::optional<Timestamp> revoked_at;
    std::optional<Timestamp> expires_at;
};

class ApiKeyRepository {
public:
    explicit ApiKeyRepository(Transaction& tx) : tx_(tx) {}
    std::int64_t insert(std::int64_t customer_id, const std::string& key_hash, const std::string& display_id,
                        const std::string& name, Timestamp now);
    std::optional<ApiKeyRecord> findByHash(const std::string& key_hash);
    std::vector<ApiKeyRecord> listForCustomer(std::int64_t customer_id);
    /// The key and its customer's status in one read, for authenticating an API request.
    struct KeyWithCustomer {
        ApiKeyRecord key;
        std::string customer_status;
    };
    std::optional<KeyWithCustomer> findWithCustomer(const std::string& key_hash);
    /// Only the customer's own key: another customer's id finds nothing.
    std::optional<ApiKeyRecord> findForCustomer(std::int64_t customer_id, std::int64_t id);
    /// Revokes a live key now; false when it was already revoked or expired (or is not the customer's).
    bool revoke(std::int64_t customer_id, std::int64_t id, Timestamp now);
    /// Revokes every key of the customer that is still live and was created at or before `created_by`; how many.
    int revokeAllCreatedBy(std::int64_t customer_id, Timestamp created_by, Timestamp now);
    /// Makes a live key expire at `when` (a roll's grace period); false when it is not live.
    bool expireAt(std::int64_t customer_id, std::int64_t id, Timestamp when);
    /// Keys neither revoked nor expired at `now`.
    std::int64_t countActive(std::int64_t customer_id, Timestamp now);
    /// Writes last_used_at only when the stored value is older than `now - min_interval`.
    void touchLastUsed(std::int64_t id, Timestamp now, Duration min_interval);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
