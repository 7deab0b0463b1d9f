#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/key_management.h"
#include "storage/api_key_repository.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Account pre-hijacking (issue 9): signup opens an account for whatever address is typed, so nothing made before the
/// address is proved is trusted once it is.

/// Marks the address proved (an emailed link was used). The first time, it ends every session of the customer but
/// `keep_session_hash` (empty: all), keeps what they were in a review for the owner, and records `email_verified`.
/// True only the first time.
bool proveEmail(storage::Transaction& tx, std::int64_t customer_id, const std::string& keep_session_hash, Timestamp now,
                Timestamp idle_since);

/// What the owner is asked about after the first proof: keys and sessions created before it.
struct PreVerificationSession {
    std::string created_at;  ///< ISO 8601
    std::string ip;
    std::string user_agent;
};
struct VerificationReview {
    Timestamp verified_at;
    std::vector<storage::ApiKeyRecord> keys;  ///< still live, created at or before verified_at
    std::vector<PreVerificationSession> sessions;
};
/// The review still waiting for an answer, if any.
std::optional<VerificationReview> pendingReview(storage::Transaction& tx, std::int64_t customer_id, Timestamp now);

/// "These were me, keep them": false when there was nothing to answer.
bool keepPreVerificationAccess(storage::Transaction& tx, std::int64_t customer_id, Timestamp now);

/// "Revoke them all and give me a new key": every key created before the proof is revoked, every other session ends,
/// and a new key is issued (shown once). Error "not_found" when there is nothing to answer.
Result<IssuedKey> revokePreVerificationAccess(storage::Transaction& tx, std::int64_t customer_id,
                                              const std::string& keep_session_hash, Timestamp now,
                                              const KeyPolicy& policy);

/// How long a "this wasn't me" link works after its email was sent.
inline constexpr auto kDisownLinkLifetime = std::chrono::hours(24 * 30);

/// The "this wasn't me" link of a welcome email: "<id>.<unix seconds sent>.<HMAC(id, sent)>". Links sent before they
/// carried their time are "<id>.<HMAC(id)>".
std::string disownToken(const std::string& key32, std::int64_t customer_id, Timestamp sent_at);

/// Whose account a "this wasn't me" link closes, when its signature is right.
struct DisownLink {
    std::int64_t customer_id = 0;
    std::optional<Timestamp> sent_at;  ///< none for a link of the older form
};
std::optional<DisownLink> verifyDisownToken(const std::string& key32, const std::string& token);

/// Whether the link still works at `now`: kDisownLinkLifetime from when it was sent (for a link of the older form, from
/// the account's creation). False for an account that no longer exists.
bool disownLinkLive(storage::Transaction& tx, const DisownLink& link, Timestamp now);

/// The owner of the address says they never signed up: the account is suspended, its keys revoked, its sessions and
/// links ended, in one transaction, and the reason recorded. False when it was already disowned.
bool disownAccount(storage::Transaction& tx, std::int64_t customer_id, const std::string& ip, Timestamp now);

/// Error "email_unverified" when an account whose address is not proved has started `limit` fix attempts already.
/// Runs under a per-customer lock, so concurrent starts cannot pass it together.
std::optional<Error> checkUnverifiedFixLimit(storage::Transaction& tx, std::int64_t customer_id, int limit);

}  // namespace rsolv::domain
