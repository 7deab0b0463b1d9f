#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/monotonic_clock.h"
#include "common/telemetry.h"
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
    /// Recording a delivery the mail server accepted is retried with backoff from `record_retry_first` doubling
    /// to `record_retry_cap`, for as long as the process lives (until shutdown()).
    Duration record_retry_first = std::chrono::milliseconds(100);
    Duration record_retry_cap = std::chrono::seconds(10);
    Telemetry* telemetry = &noTelemetry();               ///< told the result of every send (metrics)
};

/// What the email jobs did, for metrics: plain counters read at any time.
struct DeliveryCounters {
    std::atomic<std::uint64_t> sent{0};            ///< emails the mail server accepted
    std::atomic<std::uint64_t> deferred{0};        ///< runs given back because no mail transport was available
    std::atomic<std::uint64_t> record_retries{0};  ///< failed attempts to record an accepted email (then retried)
    /// Emails sent more than once: a delivery record already existed when this send was recorded (the lease was
    /// lost while the database was away), or the record was never written (shutdown during a database outage: the
    /// job will send again). The remaining, unavoidable duplicates; each is also logged.
    std::atomic<std::uint64_t> duplicates{0};
};

/// Sends the welcome, already-registered and onboarding emails. Safe to run twice for the same job: a message the
/// mail server already accepted is recorded by Message-ID and not sent again; a follow-up's content is chosen from
/// the customer's state when it goes out; suspended, unsubscribed and undeliverable customers get nothing.
class EmailJobHandler final : public JobHandler {
public:
    EmailJobHandler(storage::Database& db, const Clock& clock, mail::Mailer& mailer, EmailJobSettings settings,
                    MonotonicClock& ticks = MonotonicClock::system());
    JobOutcome run(const Job& job, JobLease& lease) override;
    /// Not while the mail transport is down (its circuit breaker is open): the jobs wait and spend no attempt.
    bool ready() override { return mailer_.ready(); }
    /// Ends the retries of recording deliveries (process shutdown); a delivery left unrecorded counts as a duplicate.
    void shutdown();
    const DeliveryCounters& counters() const { return counters_; }
    /// Records the email as failed and erases a sealed key, or an address typed at /login, the job still holds.
    std::optional<std::string> onDead(storage::Transaction& tx, const Job& job, const std::string& error) override;

private:
    /// Records the accepted email (its delivery row and "sent" event), retrying until it is written or shutdown().
    void recordDelivery(const Job& job, const std::string& message_id, std::int64_t customer_id,
                        const std::string& content);

    storage::Database& db_;
    const Clock& clock_;
    mail::Mailer& mailer_;
    EmailJobSettings settings_;
    Templates templates_;
    MonotonicClock& ticks_;
    DeliveryCounters counters_;
    std::mutex mutex_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
};

/// The `result` label of rsolv_emails_total: sent, transient or permanent.
std::string_view emailResultLabel(mail::SendResult::Kind kind);

/// The provisioning event type of an email kind: "email.welcome" -> "welcome_email".
std::string emailEventType(std::string_view kind);

}  // namespace rsolv::jobs
