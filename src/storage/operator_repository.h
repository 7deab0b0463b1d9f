#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// A person who runs RSOLV: signs in to /admin by emailed link.
struct OperatorRecord {
    std::int64_t id = 0;
    std::string email;
    std::string email_canonical;
    std::string role;  ///< "admin" or "viewer"
    Timestamp created_at;
    std::optional<Timestamp> disabled_at;
};

/// An operator's browser session (only the SHA-256 of the cookie's random id is stored).
struct OperatorSessionRecord {
    std::string id_hash;
    std::int64_t operator_id = 0;
    Timestamp created_at;
    Timestamp last_seen_at;
    Timestamp expires_at;
    std::string ip;
    std::string user_agent;
};

class OperatorRepository {
public:
    explicit OperatorRepository(Transaction& tx) : tx_(tx) {}
    /// StorageError::UniqueViolation when the canonical email is taken.
    std::int64_t insert(const std::string& email, const std::string& canonical, const std::string& role, Timestamp now);
    std::optional<OperatorRecord> findById(std::int64_t id);
    std::optional<OperatorRecord> findByCanonicalEmail(const std::string& canonical);
    std::vector<OperatorRecord> list();
    void setRole(std::int64_t id, const std::string& role);
    void setDisabled(std::int64_t id, std::optional<Timestamp> disabled_at);

    void insertToken(const std::string& token_hash, std::int64_t operator_id, Timestamp now, Timestamp expires_at);
    /// Uses the token up in one conditional UPDATE; its operator, or nothing if unknown, used or expired.
    std::optional<std::int64_t> redeemToken(const std::string& token_hash, Timestamp now);

    void insertSession(const OperatorSessionRecord& s);
    std::optional<OperatorSessionRecord> findSession(const std::string& id_hash);
    void touchSession(const std::string& id_hash, Timestamp now);
    void removeSession(const std::string& id_hash);
    int removeSessionsOf(std::int64_t operator_id);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
