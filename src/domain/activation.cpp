#include "domain/activation.h"

#include "domain/events.h"
#include "storage/dashboard_visit_repository.h"

namespace rsolv::domain {

bool recordDashboardVisit(storage::Transaction& tx, std::int64_t customer_id, Timestamp now) {
    if (!storage::DashboardVisitRepository(tx).markFirst(customer_id, now)) return false;
    recordEvent(tx, customer_id, "first_dashboard_visit", "succeeded", nlohmann::json::object(), now);
    return true;
}

bool hasVisitedDashboard(storage::Transaction& tx, std::int64_t customer_id) {
    return storage::DashboardVisitRepository(tx).visited(customer_id);
}

}  // namespace rsolv::domain
