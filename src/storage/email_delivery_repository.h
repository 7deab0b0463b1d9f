#pragma once

#include <optional>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

/// Emails the mail server accepted, by Message-ID: the record that keeps a retried job from sending twice.
class EmailDeliveryRepository {
public:
    explicit EmailDeliveryRepository(Transaction& tx) : tx_(tx) {}
    bool wasSent(const std::string& message_id);
    /// False when it was already recorded.
    bool record(const std::string& message_id, std::optional<std::int64_t> customer_id, const std::string& kind,
                Timestamp sent_at);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
