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

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
