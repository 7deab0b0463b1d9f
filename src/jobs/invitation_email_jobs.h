#pragma once

#include <string>

#include "common/clock.h"
#include "common/templates.h"
#include "jobs/worker.h"
#include "mail/mailer.h"
#include "storage/database.h"

namespace rsolv::jobs {

/// Emails an approved waitlist entry its single-use invitation link (`email.invitation`). The job carries the link's
/// token sealed under `seal_key`, so every run sends the same link with the same Message-ID
/// ("<invitation.<id>@host>"); an email the mail server accepted is recorded in email_deliveries and never sent again.
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
    storage::Database& db_;
    const Clock& clock_;
    mail::Mailer& mailer_;
    Settings settings_;
    Templates templates_;
};

}  // namespace rsolv::jobs
