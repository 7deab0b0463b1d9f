#pragma once

#include "common/clock.h"
#include "storage/admin_stats_repository.h"
#include "storage/database.h"
#include "storage/job_repository.h"

namespace rsolv::domain::admin {

/// /admin at a glance: signups today (since 00:00 UTC) and over the last 7 days, the job queue, recent failures
/// (their errors with anything key-like masked).
struct Glance {
    storage::SignupCounts today;
    storage::SignupCounts week;
    std::vector<storage::JobStateCount> jobs;
    std::vector<storage::FailedJob> recent_failures;
};
Glance glance(storage::Transaction& tx, Timestamp now);

}  // namespace rsolv::domain::admin
