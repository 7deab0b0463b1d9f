#pragma once

#include <optional>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

struct IdempotencyRecord {
    std::string fingerprint;
    std::string state;  ///< in_progress, completed
    std::optional<int> response_status;
    std::optional<std::string> response_body;
    std::optional<std::string> response_location;
    Timestamp created_at;
    Timestamp expires_at;
};

/// Idempotency-Key records, scoped per customer.
class IdempotencyRepository {
public:
    explicit IdempotencyRepository(Transaction& tx) : tx_(tx) {}
    /// Claims the key for a new request; false when a record exists (the primary key decides).
    bool begin(std::int64_t customer_id, const std::string& key, const std::string& fingerprint, Timestamp now,
               Timestamp expires_at);
    std::optional<IdempotencyRecord> find(std::int64_t customer_id, const std::string& key);
    void complete(std::int64_t customer_id, const std::string& key, int status, const std::string& body,
                  const std::optional<std::string>& location);
    void remove(std::int64_t customer_id, const std::string& key);
    /// Restarts a record whose request never finished (its process died) or that has expired.
    bool takeOver(std::int64_t customer_id, const std::string& key, const std::string& fingerprint,
                  Timestamp stale_before, Timestamp now, Timestamp expires_at);
    int pruneExpired(Timestamp now);

private:
    Transaction& tx_;
};

/// The last accepted request times of one API key, for an exact sliding window in one row.
class RequestWindowRepository {
public:
    explicit RequestWindowRepository(Transaction& tx) : tx_(tx) {}
    /// Locks the key's window (advisory lock; SQLite's write lock does the same) and returns its hits.
    std::string lockHits(std::int64_t api_key_id);
    void saveHits(std::int64_t api_key_id, const std::string& hits);
    /// The hits as they are, without a lock.
    std::string hits(std::int64_t api_key_id);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
