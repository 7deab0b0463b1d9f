#include "jobs/delivery_record.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "jobs/email_jobs.h"
#include "storage/email_delivery_repository.h"

namespace rsolv::jobs {

bool alreadyDelivered(storage::Database& db, const std::string& message_id) {
    return storage::inTransaction(db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::EmailDeliveryRepository(tx).wasSent(message_id);
    });
}

void recordAcceptedEmail(const std::string& message_id, const std::function<void()>& record) {
    constexpr int kAttempts = 3;
    auto pause = std::chrono::milliseconds(50);
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
        try {
            record();
            return;
        } catch (const std::exception& e) {
            spdlog::warn("email {} was accepted but recording it failed (try {} of {}): {}", message_id, attempt,
                         kAttempts, e.what());
        }
        if (attempt < kAttempts) std::this_thread::sleep_for(pause);
        pause *= 2;
    }
    spdlog::error("email {} was accepted but could not be recorded; its job completes anyway", message_id);
}

std::function<void()> deliveryRecord(storage::Database& db, std::string message_id, std::string kind,
                                     const Clock& clock) {
    return [&db, message_id = std::move(message_id), kind = std::move(kind), &clock] {
        storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            storage::EmailDeliveryRepository(tx).record(message_id, std::nullopt, kind, clock.now());
        });
    };
}

JobOutcome sendOnce(mail::Mailer& mailer, JobLease& lease, const OneEmail& email) {
    const std::string& message_id = email.message.message_id;
    if (!lease.confirm()) return JobOutcome::abandon("lease lost before sending " + message_id);
    const auto result = mailer.send({email.message}).at(0);
    if (email.telemetry) email.telemetry->emailFinished(email.kind, emailResultLabel(result.kind));
    switch (result.kind) {
        case mail::SendResult::Kind::Sent:
            recordAcceptedEmail(message_id, email.record);
            return JobOutcome::done(email.done_payload);
        case mail::SendResult::Kind::Transient: return JobOutcome::retry(result.detail, email.dead_payload);
        case mail::SendResult::Kind::Permanent: return JobOutcome::fail(result.detail, email.dead_payload);
        case mail::SendResult::Kind::Unavailable: return JobOutcome::defer(result.detail);
    }
    return JobOutcome::retry("unknown send result", email.dead_payload);
}

}  // namespace rsolv::jobs
