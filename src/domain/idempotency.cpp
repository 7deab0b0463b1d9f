#include "domain/idempotency.h"

#include "storage/idempotency_repository.h"

namespace rsolv::domain {

IdempotencyClaim claimIdempotencyKey(storage::Transaction& tx, std::int64_t customer_id, const std::string& key,
                                     const std::string& fingerprint, Timestamp now) {
    using Status = IdempotencyClaim::Status;
    storage::IdempotencyRepository repo(tx);
    if (repo.begin(customer_id, key, fingerprint, now, now + kIdempotencyTtl)) return {Status::Claimed, {}};
    if (repo.takeOver(customer_id, key, fingerprint, now - kIdempotencyStale, now, now + kIdempotencyTtl))
        return {Status::Claimed, {}};
    const auto record = repo.find(customer_id, key);
    if (!record) return {Status::Vanished, {}};
    if (record->fingerprint != fingerprint) return {Status::Reused, {}};
    if (record->state != "completed") return {Status::InProgress, {}};
    return {Status::Replay,
            {record->response_status.value_or(200), record->response_body.value_or(""), record->response_location}};
}

void completeIdempotencyKey(storage::Transaction& tx, std::int64_t customer_id, const std::string& key,
                            const StoredResponse& response) {
    storage::IdempotencyRepository(tx).complete(customer_id, key, response.status, response.body, response.location);
}

void releaseIdempotencyKey(storage::Transaction& tx, std::int64_t customer_id, const std::string& key) {
    storage::IdempotencyRepository(tx).remove(customer_id, key);
}

}  // namespace rsolv::domain
