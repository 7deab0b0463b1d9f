#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Issues a single-use sign-in token (256 bits, stored hashed) for the customer's current email.
std::string issueSignInToken(storage::Transaction& tx, std::int64_t customer_id, const std::string& email,
                             const std::string& purpose, Timestamp now, Duration ttl,
                             const std::optional<std::string>& new_email = std::nullopt);

/// Uses the token up and returns its customer; nothing if it is unknown, used, expired or the email changed.
std::optional<std::int64_t> redeemSignInToken(storage::Transaction& tx, const std::string& token, Timestamp now);

/// The time a link was asked for, as a job's payload carries it ("requested_at", microseconds since the epoch).
std::int64_t requestedAtValue(Timestamp now);

/// Serialises "sign out everywhere" with the making of the account's links, so none is made in between unseen.
void lockAccountLinks(storage::Transaction& tx, std::int64_t customer_id);

/// True when a link asked for at `requested_at` (a queued email's "requested_at") is older than the account's last
/// "sign out everywhere": that sign-out voided every link outstanding then, so this one must not be made any more.
/// Takes the account's link lock; an unknown request time (a job queued by an older version) is not voided.
bool linkRequestVoided(storage::Transaction& tx, std::int64_t customer_id, std::optional<std::int64_t> requested_at);

/// A link that unsubscribes a customer from onboarding emails without signing in: "<id>.<HMAC(id)>".
std::string unsubscribeToken(const std::string& key32, std::int64_t customer_id);
std::optional<std::int64_t> verifyUnsubscribeToken(const std::string& key32, const std::string& token);

}  // namespace rsolv::domain
