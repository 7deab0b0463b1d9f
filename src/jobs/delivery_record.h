#pragma once
// The email_deliveries record of emails that are not a customer's (alert notices, operator console links), kept
// the way customer emails keep theirs (email_jobs.cpp): a job that runs again after its email was accepted finds the
// Message-ID recorded and sends nothing (rules.md #3).

#include <functional>
#include <string>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::jobs {

/// Whether the mail server already accepted the email with this Message-ID.
bool alreadyDelivered(storage::Database& db, const std::string& message_id);

/// Runs `record` (one write transaction recording an email the mail server accepted) until it commits: three tries,
/// 50 ms and then 100 ms apart. A job whose record failed would run again and send the email a second time. When no
/// try commits it logs an error and returns: completing the job without the record risks a resend only if the job ran
/// again, which completing it prevents.
void recordAcceptedEmail(const std::string& message_id, const std::function<void()>& record);

/// Records that the mail server accepted it (recordAcceptedEmail), before the job completes.
void recordDelivered(storage::Database& db, const std::string& message_id, const std::string& kind, const Clock& clock);

}  // namespace rsolv::jobs
