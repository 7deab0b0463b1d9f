#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/templates.h"
#include "jobs/worker.h"
#include "mail/mailer.h"
#include "storage/database.h"

namespace rsolv::jobs {

/// Emails an invitation (`email.invitation`): an approved waitlist entry its single-use link, an address an operator
/// invited the signup page (the address itself lets it in). A link's job carries its token sealed under `seal_key`, so
/// every run sends the same link with the same Message-ID ("<invitation.<id>@host>"); an email the mail server
/// accepted is recorded in email_deliveries and never sent again.
/// The finished job forgets the token; a dead one keeps it, so an operator's retry can still send it.
class InvitationEmailJobHandler final : public JobHandler {
public:
    struct Settings {
        std::string public_url;
        std::string host;
        std::string support_email;
        std::string seal_key;
    };
    InvitationEmailJobHandler(storage::Database& db, const Clock& clock, mail::Mailer& mailer, Settings settings);
    JobOutcome run(const Job& job, JobLease& lease) override;
    bool ready() override { return mailer_.ready(); }

private:
    struct Recipient {
        std::string email;
        std::string name;  ///< as typed on the waitlist; empty for an invited address
        bool by_link = false;
    };
    static std::optional<Recipient> recipient(storage::Transaction& tx, std::int64_t invitation_id,
                                              const std::string& message_id);
    storage::Database& db_;
    const Clock& clock_;
    mail::Mailer& mailer_;
    Settings settings_;
    Templates templates_;
};

}  // namespace rsolv::jobs
