#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

/// When the customer's latest provisioning event of `event_type` was recorded; nothing if it has none.
std::optional<Timestamp> latestEventAt(Transaction& tx, std::int64_t customer_id, const std::string& event_type);

}  // namespace rsolv::storage
