#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::domain {

/// How long an Idempotency-Key is kept.
inline constexpr auto kIdempotencyTtl = std::chrono::hours(24);
/// An in-progress record older than this belongs to a request whose process died: a retry may take it over.
inline constexpr auto kIdempotencyStale = std::chrono::seconds(60);

/// The response stored for a key, replayed to a retry of the same request.
struct StoredResponse {
    int status = 200;
    std::string body;
    std::optional<std::string> location;
};

/// The outcome of claiming a customer's Idempotency-Key for a request (its method, path and body's `fingerprint`).
struct IdempotencyClaim {
    enum class Status {
        Claimed,     ///< run the request, then complete() or release() the key
        Replay,      ///< the same request finished before: answer `stored`
        InProgress,  ///< the same key's first request is still running
        Vanished,    ///< another request held the key a moment ago and released it: retry
        Reused,      ///< the key was used with a different request
    };
    Status status = Status::Claimed;
    StoredResponse stored;  ///< Replay
};

/// Claims the key (a new key, or one whose record went stale or expired) or says why not, in the caller's transaction.
IdempotencyClaim claimIdempotencyKey(storage::Transaction& tx, std::int64_t customer_id, const std::string& key,
                                     const std::string& fingerprint, Timestamp now);
/// Stores the response of the claimed key's request, in the request's own transaction.
void completeIdempotencyKey(storage::Transaction& tx, std::int64_t customer_id, const std::string& key,
                            const StoredResponse& response);
/// Forgets the claim of a request that failed, so the client's retry runs it.
void releaseIdempotencyKey(storage::Transaction& tx, std::int64_t customer_id, const std::string& key);

}  // namespace rsolv::domain
