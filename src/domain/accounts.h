#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "storage/customer_repository.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Suspends or reactivates a customer. Suspending ends every one of its sessions in the same transaction, and its
/// keys stop working on the next request (API authentication reads the status). False when nothing changed.
bool setCustomerStatus(storage::Transaction& tx, std::int64_t customer_id, const std::string& status, Timestamp now);

/// Name and company, validated as at signup. Errors name the field.
Result<bool> updateProfile(storage::Transaction& tx, std::int64_t customer_id, std::string_view name,
                           std::string_view company, Timestamp now);

void setOnboardingEmails(storage::Transaction& tx, std::int64_t customer_id, bool enabled, Timestamp now);

/// Asks for a change of email: a confirmation link (valid `ttl`) goes to the new address in an `email.email_change`
/// job; nothing changes until it is clicked. Errors (field "new_email"): invalid, the same address, or taken.
Result<std::string> requestEmailChange(storage::Transaction& tx, std::int64_t customer_id, std::string_view new_email,
                                       Timestamp now);

struct EmailChanged {
    std::int64_t customer_id = 0;
    std::string old_email;
    std::string new_email;
};
/// Uses up a confirmation link and changes the address. Earlier sign-in links die (they were issued to the old
/// address) and the old address is told in an `email.email_changed` job. Error code "invalid_link" or "email_taken".
Result<EmailChanged> confirmEmailChange(storage::Transaction& tx, const std::string& token, Timestamp now);

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
