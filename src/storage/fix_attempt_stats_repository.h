#pragma once

#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// Read-only figures over a customer's fix attempts, for the dashboard's charts.
class FixAttemptStatsRepository {
public:
    explicit FixAttemptStatsRepository(Transaction& tx) : tx_(tx) {}
    /// When each of the customer's attempts since `since` started, oldest first.
    std::vector<Timestamp> startedSince(std::int64_t customer_id, Timestamp since);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
