#include "domain/admin/glance.h"

#include "domain/api_key.h"

namespace rsolv::domain::admin {

Glance glance(storage::Transaction& tx, Timestamp now) {
    storage::AdminStatsRepository stats(tx);
    const auto midnight = std::chrono::floor<std::chrono::days>(now);
    Glance g;
    g.today = stats.signupsSince(Timestamp(midnight));
    g.week = stats.signupsSince(now - std::chrono::hours(24 * 7));
    g.jobs = storage::JobRepository(tx).countByState();
    g.recent_failures = stats.recentDeadJobs(10);
    for (auto& f : g.recent_failures) f.last_error = maskApiKeys(f.last_error.substr(0, 300));
    return g;
}

}  // namespace rsolv::domain::admin
