#pragma once

#include <string>

#include "common/clock.h"
#include "common/templates.h"
#include "jobs/worker.h"
#include "mail/mailer.h"
#include "storage/database.h"

namespace rsolv::jobs {

struct EmailJobSettings {
    std::string public_url;     ///< links are built from it
    std::string host;           ///< the right-hand side of Message-IDs
    std::string support_email;
    std::string payload_key;     ///< opens the sealed API key of a welcome job (RSOLV_WELCOME_EMAIL_INCLUDES_KEY)
    std::string unsubscribe_key; ///< signs unsubscribe links
    std::string not_me_key;      ///< signs the "this wasn't me" link of the welcome email
    Duration sign_in_link_ttl = std::chrono::hours(24);  ///< links in the welcome and onboarding emails
    Duration login_link_ttl = std::chrono::minutes(15);  ///< links asked for at /login
};

/// Sends the welcome, already-registered and onboarding emails. Safe to run twice for the same job: a message the
/// mail server already accepted is recorded by Message-ID and not sent again; a follow-up's content is chosen from
/// the customer's state when it goes out; suspended, unsubscribed and undeliverable customers get nothing.
class EmailJobHandler final : public JobHandler {
public:
    EmailJobHandler(storage::Database& db, const Clock& clock, mail::Mailer& mailer, EmailJobSettings settings);
    JobOutcome run(const Job& job) override;
    /// Records the email as failed and erases a sealed key, or an address typed at /login, the job still holds.
    std::optional<std::string> onDead(storage::Transaction& tx, const Job& job, const std::string& error) override;

private:
    storage::Database& db_;
    const Clock& clock_;
    mail::Mailer& mailer_;
    EmailJobSettings settings_;
    Templates templates_;
};

/// The provisioning event type of an email kind: "email.welcome" -> "welcome_email".
std::string emailEventType(std::string_view kind);

}  // namespace rsolv::jobs
