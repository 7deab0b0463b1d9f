#include "jobs/delivery_record.h"

#include "storage/email_delivery_repository.h"

namespace rsolv::jobs {

bool alreadyDelivered(storage::Database& db, const std::string& message_id) {
    return storage::inTransaction(db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::EmailDeliveryRepository(tx).wasSent(message_id);
    });
}

void recordDelivered(storage::Database& db, const std::string& message_id, const std::string& kind, Timestamp now) {
    storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        storage::EmailDeliveryRepository(tx).record(message_id, std::nullopt, kind, now);
    });
}

}  // namespace rsolv::jobs
