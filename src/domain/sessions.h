#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/customer_repository.h"
#include "storage/database.h"
#include "storage/session_repository.h"

namespace rsolv::domain {

struct SessionPolicy {
    Duration idle_timeout = std::chrono::minutes(30);
    Duration absolute_timeout = std::chrono::hours(12);
    /// last_seen_at is written at most this often, so reading a page is not a write on every request.
    Duration touch_interval = std::chrono::minutes(1);
};

struct StartedSession {
    std::string token;    ///< goes into the cookie; never stored
    std::string id_hash;  ///< SHA-256 of the token: the row's key
};

/// A new session's token and the row that stores it (by the token's hash), not yet inserted.
struct NewSession {
    StartedSession started;
    storage::SessionRecord row;
};
NewSession newSession(std::int64_t customer_id, const std::string& ip, const std::string& user_agent, Timestamp now,
                      const SessionPolicy& policy);

/// Creates a session row for the customer inside the caller's transaction.
StartedSession startSession(storage::Transaction& tx, std::int64_t customer_id, const std::string& ip,
                            const std::string& user_agent, Timestamp now, const SessionPolicy& policy);

/// The live session for a cookie token, or nothing when unknown or past its idle or absolute timeout
/// (an expired row is deleted on sight).
std::optional<storage::SessionRecord> resolveSession(storage::Transaction& tx, const std::string& token, Timestamp now,
                                                     const SessionPolicy& policy);

void endSession(storage::Transaction& tx, const std::string& token);

/// The customer's sessions still alive at `now`, most recently seen first (the settings page lists them).
std::vector<storage::SessionRecord> liveSessions(storage::Transaction& tx, std::int64_t customer_id, Timestamp now,
                                                 const SessionPolicy& policy);

std::string sessionIdHash(const std::string& token);

/// A live session and its customer.
struct SignedInCustomer {
    storage::SessionRecord session;
    storage::CustomerRecord customer;
};

/// The live session for a cookie token and its customer, while the customer exists and is active; a session whose
/// customer is gone or suspended is ended on sight.
std::optional<SignedInCustomer> signedInCustomer(storage::Transaction& tx, const std::string& token, Timestamp now,
                                                 const SessionPolicy& policy);

/// A secret shown once on a session's next page (a new API key): sealed with `flash_key` at rest, taken at most once.
void putSecretFlash(storage::Transaction& tx, const std::string& flash_key, const std::string& session_hash,
                    const std::string& kind, const std::string& secret, Timestamp expires_at);
/// The secret, deleted as it is read; nothing once taken or past its expiry.
std::optional<std::string> takeSecretFlash(storage::Transaction& tx, const std::string& flash_key,
                                           const std::string& session_hash, const std::string& kind, Timestamp now);

}  // namespace rsolv::domain
