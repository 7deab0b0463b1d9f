#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "domain/rate_limiter.h"
#include "domain/sessions.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Passwordless sign-in by magic link (RSOLV_SIGN_IN_LINK_MINUTES, RSOLV_SIGN_IN_LINKS_PER_*).
struct SignInPolicy {
    Duration link_ttl = std::chrono::minutes(15);
    int links_per_email_per_hour = 5;
    int links_per_ip_per_hour = 20;
};

struct SignInLinkRequest {
    bool ip_limited = false;   ///< told to the visitor: it says nothing of the address
    Duration retry_after{};
    /// Not an email address at all (told too: it says nothing of any account). Field "email".
    std::optional<Error> invalid;
};

/// POST /login. Whatever the address (unknown, suspended, over its own limit), the same statements run and the caller
/// answers the same way: the look-up, the token and the email happen later in an `email.sign_in` job, so neither the
/// answer nor its timing tells whether an account exists. Only the per-IP limit and a malformed address are visible.
SignInLinkRequest requestSignInLink(storage::Transaction& tx, std::string_view typed_email, const std::string& return_to,
                                    const std::string& client_ip, Timestamp now, const SignInPolicy& policy,
                                    const RateLimiter& limiter);

/// A local dashboard path to come back to after signing in; anything else (other sites, "//host", odd characters)
/// becomes "/dashboard".
std::string safeReturnTo(std::string_view path);

/// A sign-in by link: the new session, and whether this link was the first proof of the address (the owner is then
/// shown the review of what existed before, proveEmail).
struct LinkSignIn {
    StartedSession session;
    bool first_proof = false;
};

/// Redeems a sign-in link and starts a fresh session (a new random id: no fixation); the browser's previous session,
/// if any, ends. The first link ever used proves the address: every other session ends too. Nothing when the link is
/// unknown, used, expired, issued to an earlier email, or the customer is not active.
std::optional<LinkSignIn> signInWithLink(storage::Transaction& tx, const std::string& token,
                                             const std::string& previous_session_token, const std::string& ip,
                                             const std::string& user_agent, Timestamp now, const SessionPolicy& policy);

}  // namespace rsolv::domain
