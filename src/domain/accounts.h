#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/rate_limiter.h"
#include "domain/disposable_domains.h"
#include "storage/customer_repository.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Suspends or reactivates a customer. Suspending ends every one of its sessions in the same transaction, and its
/// keys stop working on the next request (API authentication reads the status). False when nothing changed.
bool setCustomerStatus(storage::Transaction& tx, std::int64_t customer_id, const std::string& status, Timestamp now);

/// Name and company, validated as at signup. Errors name the field.
Result<bool> updateProfile(storage::Transaction& tx, std::int64_t customer_id, std::string_view name,
                           std::string_view company, Timestamp now);

/// `via` is recorded with the event: "settings" or "email_link". Nothing is recorded when the setting does not change.
/// False when the customer does not exist.
bool setOnboardingEmails(storage::Transaction& tx, std::int64_t customer_id, bool enabled, Timestamp now,
                         const std::string& via = "settings");

/// The limits of email changes (RSOLV_EMAIL_CHANGES_PER_*).
struct EmailChangePolicy {
    int per_account_per_hour = 3;
    int per_ip_per_hour = 10;
    Duration recent_sign_in = std::chrono::minutes(10);  ///< the session must have started this recently
};

struct EmailChangeRequest {
    enum class Status { Sent, Invalid, RateLimited, SignInTooOld };
    Status status = Status::Invalid;
    std::optional<Error> error;  ///< Invalid, field "new_email"
    Duration retry_after{};      ///< RateLimited
    std::string new_email;       ///< Sent: as typed
};

/// Asks for a change of email: a confirmation link goes to the new address in an `email.email_change` job; nothing
/// changes until it is clicked. The answer is the same whether or not another account uses the address (the
/// confirmation resolves that). Needs a sign-in within `recent_sign_in` (`signed_in_at`: the session's start);
/// refuses invalid, unchanged and disposable addresses; counts against the per-account and per-IP windows.
EmailChangeRequest requestEmailChange(storage::Transaction& tx, std::int64_t customer_id, std::string_view new_email,
                                      const std::string& client_ip, Timestamp signed_in_at, Timestamp now,
                                      const DisposableDomains& disposable, const EmailChangePolicy& policy,
                                      const RateLimiter& limiter);

struct EmailChanged {
    std::int64_t customer_id = 0;
    std::string old_email;
    std::string new_email;
};
/// Uses up a confirmation link and changes the address. Earlier sign-in links die (they were issued to the old
/// address), every session but `keep_session_hash` ends, the new address counts as proved (proveEmail), and the old
/// address is told in an `email.email_changed` job. Error code "invalid_link" or "email_taken".
Result<EmailChanged> confirmEmailChange(storage::Transaction& tx, const std::string& token,
                                        const std::string& keep_session_hash, Timestamp now, Timestamp idle_since);

/// The pending change a confirmation link asks for, without using the link (the page with the button shows it).
std::optional<std::string> pendingEmailChange(storage::Transaction& tx, const std::string& token, Timestamp now);

/// "Sign out everywhere": every session ends and every outstanding sign-in and email-change link dies.
void signOutEverywhere(storage::Transaction& tx, std::int64_t customer_id, Timestamp now);

/// The setup wizard's four steps, each done when the server can tell.
struct SetupProgress {
    bool has_key = false;         ///< 1. an active key exists
    bool api_called = false;      ///< 2 and 3: the secret and the workflow are in place once a key was used
    bool fix_attempted = false;   ///< 4. the workflow ran and asked for a fix
    bool completed = false;       ///< finished: onboarding_completed_at
    bool skipped = false;
    int doneCount() const { return int(has_key) + 2 * int(api_called) + int(fix_attempted); }
};
SetupProgress setupProgress(storage::Transaction& tx, const storage::CustomerRecord& customer, Timestamp now);
/// True the first time (records an event).
bool finishSetup(storage::Transaction& tx, std::int64_t customer_id, Timestamp now);
bool skipSetup(storage::Transaction& tx, std::int64_t customer_id, Timestamp now);

}  // namespace rsolv::domain
