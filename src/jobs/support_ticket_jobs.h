#pragma once

#include <string>

#include "common/clock.h"
#include "common/telemetry.h"
#include "jobs/worker.h"
#include "mail/mailer.h"
#include "storage/database.h"

namespace rsolv::jobs {

struct SupportEmailSettings {
    std::string support_address;  ///< RSOLV_SUPPORT_EMAIL
    std::string public_url;       ///< for the console link
    std::string host;             ///< the right-hand side of Message-IDs
    Telemetry* telemetry = &noTelemetry();
};

/// Emails a new support ticket to the support address (`email.support_ticket`, run by the EmailJobHandler). The
/// Message-ID is stable per ticket and the accepted email is recorded in `email_deliveries` (with a
/// `support_ticket_email` event) before the job completes; a rerun that finds the record sends nothing, so a ticket
/// is emailed once.
JobOutcome runSupportTicketEmail(storage::Database& db, const Clock& clock, mail::Mailer& mailer,
                                 const SupportEmailSettings& settings, const Job& job, JobLease& lease);

}  // namespace rsolv::jobs
