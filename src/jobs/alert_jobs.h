#pragma once

#include <string>

#include "common/clock.h"
#include "common/telemetry.h"
#include "storage/database.h"
#include "jobs/worker.h"
#include "mail/mailer.h"

namespace rsolv::jobs {

/// Sends an alert notification (domain/alerting.cpp queues them) to one operator address, once: its delivery is
/// recorded under a Message-ID made from the job's unique key.
class AlertEmailJobHandler final : public JobHandler {
public:
    AlertEmailJobHandler(storage::Database& db, const Clock& clock, mail::Mailer& mailer, std::string host,
                         Telemetry& telemetry)
        : db_(db), clock_(clock), mailer_(mailer), host_(std::move(host)), telemetry_(telemetry) {}
    JobOutcome run(const Job& job, JobLease& lease) override;

private:
    storage::Database& db_;
    const Clock& clock_;
    mail::Mailer& mailer_;
    std::string host_;
    Telemetry& telemetry_;
};

struct AlertWebhookSettings {
    std::string url;  ///< RSOLV_ALERT_WEBHOOK_URL
    std::string key;  ///< the decoded bytes of RSOLV_ALERT_WEBHOOK_SECRET
    int timeout_seconds = 10;
};

/// POSTs an alert notification to the webhook, signed as Standard Webhooks ask (webhook-id, webhook-timestamp,
/// webhook-signature). The id stays the same on retries, so the receiver can drop a duplicate; a 2xx answer
/// completes the job, anything else is retried with backoff.
class AlertWebhookJobHandler final : public JobHandler {
public:
    AlertWebhookJobHandler(const Clock& clock, AlertWebhookSettings settings)
        : clock_(clock), settings_(std::move(settings)) {}
    JobOutcome run(const Job& job, JobLease& lease) override;

private:
    const Clock& clock_;
    AlertWebhookSettings settings_;
};

}  // namespace rsolv::jobs
