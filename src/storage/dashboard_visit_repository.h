#pragma once

#include <cstdint>

#include "storage/database.h"

namespace rsolv::storage {

/// `customers.first_dashboard_visit_at` (issue 13: RFC-065's dashboard activation).
class DashboardVisitRepository {
public:
    explicit DashboardVisitRepository(Transaction& tx) : tx_(tx) {}
    bool visited(std::int64_t customer_id);
    /// True only for the call that sets it.
    bool markFirst(std::int64_t customer_id, Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
