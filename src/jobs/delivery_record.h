#pragma once
// The email_deliveries record of emails that are not a customer's (alert notices, operator console links), kept
// the way customer emails keep theirs (email_jobs.cpp): a job that runs again after its email was accepted finds the
// Message-ID recorded and sends nothing (rules.md #3).

#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/telemetry.h"
#include "jobs/worker.h"
#include "mail/mailer.h"
#include "storage/database.h"

namespace rsolv::jobs {

/// Whether the mail server already accepted the email with this Message-ID.
bool alreadyDelivered(storage::Database& db, const std::string& message_id);

/// Runs `record` (one write transaction recording an email the mail server accepted) until it commits: three tries,
/// 50 ms and then 100 ms apart. A job whose record failed would run again and send the email a second time. When no
/// try commits it logs an error and returns: completing the job without the record risks a resend only if the job ran
/// again, which completing it prevents.
void recordAcceptedEmail(const std::string& message_id, const std::function<void()>& record);

/// The record of an accepted email with no customer (OneEmail::record): its Message-ID and kind in email_deliveries.
std::function<void()> deliveryRecord(storage::Database& db, std::string message_id, std::string kind,
                                     const Clock& clock);

/// The last steps of a job that sends one email (not a customer's: those have EmailJobHandler).
struct OneEmail {
    const mail::EmailMessage& message;
    std::function<void()> record;              ///< one write transaction recording its acceptance
    Telemetry* telemetry = nullptr;            ///< told the result under `kind`, when set
    std::string kind;
    std::optional<std::string> done_payload;   ///< the payload a completed job keeps
    std::optional<std::string> dead_payload;   ///< the payload kept should a retried or failed job die
};

/// Confirms the lease (a worker whose lease lapsed sends nothing), sends, records an accepted email
/// (recordAcceptedEmail) and answers the worker: done, retry or fail, or defer while the mail server is unavailable.
JobOutcome sendOnce(mail::Mailer& mailer, JobLease& lease, const OneEmail& email);

}  // namespace rsolv::jobs
