#include "jobs/delivery_record.h"

#include <spdlog/spdlog.h>

#include <thread>

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

void recordDelivered(storage::Database& db, const std::string& message_id, const std::string& kind, const Clock& clock) {
    recordAcceptedEmail(message_id, [&] {
        storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            storage::EmailDeliveryRepository(tx).record(message_id, std::nullopt, kind, clock.now());
        });
    });
}

}  // namespace rsolv::jobs
