#pragma once

#include <cstdint>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::domain {

/// RFC-065's "dashboard activation": the first time a signed-in customer is shown a dashboard page, recorded once
/// (`customers.first_dashboard_visit_at` and a `first_dashboard_visit` event) at the injected clock's time. True only
/// for the call that recorded it.
bool recordDashboardVisit(storage::Transaction& tx, std::int64_t customer_id, Timestamp now);

/// Whether the first visit is recorded already (a read, so later pages need no write).
bool hasVisitedDashboard(storage::Transaction& tx, std::int64_t customer_id);

}  // namespace rsolv::domain
