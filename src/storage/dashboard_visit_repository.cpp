#include "storage/dashboard_visit_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kVisited{
    "SELECT COUNT(*) AS n FROM customers WHERE id = $1 AND first_dashboard_visit_at IS NOT NULL"};
constexpr Query kMarkFirst{
    "UPDATE customers SET first_dashboard_visit_at = $2 WHERE id = $1 AND first_dashboard_visit_at IS NULL"};

}  // namespace

bool DashboardVisitRepository::visited(std::int64_t customer_id) {
    return tx_.exec(kVisited, {customer_id}).front().i64("n") > 0;
}

bool DashboardVisitRepository::markFirst(std::int64_t customer_id, Timestamp now) {
    return tx_.exec(kMarkFirst, {customer_id, now}).affected == 1;
}

}  // namespace rsolv::storage
