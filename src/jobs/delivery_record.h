#pragma once
// The email_deliveries record of emails that are not a customer's (alert notices, operator console links), kept
// the way customer emails keep theirs (email_jobs.cpp): a job that runs again after its email was accepted finds the
// Message-ID recorded and sends nothing (rules.md #3).

#include <string>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::jobs {

/// Whether the mail server already accepted the email with this Message-ID.
bool alreadyDelivered(storage::Database& db, const std::string& message_id);

/// Records that the mail server accepted it, before the job completes.
void recordDelivered(storage::Database& db, const std::string& message_id, const std::string& kind, Timestamp now);

}  // namespace rsolv::jobs
